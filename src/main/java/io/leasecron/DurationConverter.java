package io.leasecron;

import io.leasecron.schedule.Durations;
import java.time.Duration;
import org.eclipse.microprofile.config.spi.Converter;

/** Configuration durations accept the same forms as job specs: {@code 500ms}, {@code 2s}, {@code 5m}, {@code PT2S}. */
public final class DurationConverter implements Converter<Duration> {
    @Override
    public Duration convert(String value) {
        return value == null || value.isBlank() ? null : Durations.parse(value.trim());
    }
}
