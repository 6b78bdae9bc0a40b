package io.leasecron.api.auth;

/** Decides who a bearer token stands for and whether they may make a request: one implementation per mode. */
interface Access {
    /**
     * @param token the bearer token sent, or {@code null} when the request had none
     * @param mutation the change asked for, or {@code null} for a read that needs an authenticated caller
     *     ({@code LEASECRON_API_READS=authenticated})
     */
    Verdict check(String token, ApiRequest.Mutation mutation);
}
