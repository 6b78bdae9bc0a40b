// Command cron-vectors prints next-run times computed by github.com/robfig/cron/v3, the library Kubernetes
// CronJob uses, as JSON test vectors. leasecron's `dstPolicy: CronJob` must reproduce every one of them.
//
// Usage: go run . > ../../src/test/resources/schedule/robfig-vectors.json
package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// A vector is [schedule, zone index, from (Unix seconds), [seconds from the previous time to each next run]].
type vector [4]any

type rejected struct {
	Schedule string `json:"schedule"`
	Error    string `json:"error"`
}

type output struct {
	Generator string     `json:"generator"`
	Zones     []string   `json:"zones"`
	Vectors   []vector   `json:"vectors"`
	Rejected  []rejected `json:"rejected"`
}

// Zones chosen for their clock changes: northern and southern hemisphere, 30- and 45-minute offsets, a
// 30-minute daylight-saving shift (Lord Howe), transitions at midnight (Santiago, Havana), none at all.
var zones = []string{
	"UTC", "America/New_York", "Europe/Berlin", "Europe/London", "Australia/Sydney", "Australia/Lord_Howe",
	"Pacific/Chatham", "America/Santiago", "America/Havana", "Asia/Kolkata", "America/St_Johns", "Pacific/Auckland",
}

var fixed = []string{
	"30 2 * * *", "0 2 * * *", "15 1 * * *", "30 1 * * *", "45 1 * * *", "0 0 * * *", "30 0 * * *", "0 3 * * *",
	"15 2 * * *", "45 2 * * *", "*/15 * * * *", "0 * * * *", "30 * * * *", "0 */2 * * *", "*/20 1-3 * * *",
	"45 2 * * 0", "0 0 29 2 *", "0 12 1,15 * 1", "0 9 * * 1-5", "0 9 1-7 * 1", "0 0 */2 * 1", "0 0 1-31/2 * 1",
	"*/7 3-5 * jan-mar mon,wed,fri", "0 0 31 * *", "59 23 31 12 *", "0 0 1 1 *", "@hourly", "@daily", "@weekly",
	"@monthly", "@yearly", "@midnight", "@annually", "5 4 * * sun", "0 22 * * 1-5", "23 0-20/2 * * *",
	"0 0,12 1 */2 *", "0 4 8-14 * *", "0 0 1,15 * 3", "? ? ? ? ?", "0 0 ? * MON", "2-59/3 1,2,3 * * *",
	"0 1-3 * * *", "*/30 2 * * *", "0 0 1 */3 *", "0 0 * * SAT,SUN", "30 23 * * *", "0 12 ? JAN,JUL *",
	"*/1 */1 */1 */1 */1", "1,,2 * * * *",
}

var withSeconds = []string{
	"*/10 * * * * *", "0 30 2 * * *", "15 */5 * * * *", "0 0 0 29 2 *", "30 30 1 * * *", "0 */30 * * * *",
	"*/20 15 2 * * *", "0 0 0 * * 0",
}

var invalid = []string{
	"61 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 13 *", "* * * 0 *", "* * * * 7", "* * * * 8",
	"5-2 * * * *", "*/0 * * * *", "* * * *", "* * * * * * *", "@hourlyy", "@every", "@every 0s", "a * * * *",
	"* * * foo *", "* * * * mon-", "1,,2 * * * *", "0 0 L * *", "0 0 15W * *", "0 0 * * 1#2", "CRON_TZ=Mars/Base 0 * * * *",
	"1-2-3 * * * *", "*/5/5 * * * *", "-1 * * * *",
}

func main() {
	std := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	sec := cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	out := output{Generator: "github.com/robfig/cron/v3 v3.0.1, " + strings.TrimSpace(goVersion())}
	rnd := rand.New(rand.NewSource(20261201))

	add := func(p cron.Parser, spec string, zone int, from time.Time, count int) {
		s, err := p.Parse("CRON_TZ=" + zones[zone] + " " + spec)
		if err != nil {
			return
		}
		deltas := []int64{}
		t := from
		for i := 0; i < count; i++ {
			next := s.Next(t)
			if next.IsZero() {
				break
			}
			deltas = append(deltas, next.Unix()-t.Unix())
			t = next
		}
		out.Vectors = append(out.Vectors, vector{spec, zone, from.Unix(), deltas})
	}

	out.Zones = zones
	for zi, zone := range zones {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			panic(err)
		}
		starts := []time.Time{time.Date(2026, 1, 1, 0, 0, 0, 0, loc), time.Date(2027, 2, 27, 12, 0, 0, 0, loc)}
		for _, tr := range transitions(loc, 2026) {
			starts = append(starts, tr.Add(-26*time.Hour), tr.Add(-61*time.Minute), tr.Add(-3*time.Minute))
		}
		for _, from := range starts {
			for _, spec := range fixed {
				add(std, spec, zi, from, 10)
			}
			for _, spec := range withSeconds {
				add(sec, spec, zi, from, 10)
			}
		}
		// Random expressions from random points of 2026-2028, each for 12 runs.
		for i := 0; i < 45; i++ {
			from := time.Unix(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix()+rnd.Int63n(3*365*86400), 0)
			if i%3 == 0 {
				add(sec, randomField(rnd, 0, 59, nil)+" "+randomSpec(rnd), zi, from, 12)
			} else {
				add(std, randomSpec(rnd), zi, from, 12)
			}
		}
	}
	for _, spec := range invalid {
		if _, err := std.Parse(spec); err != nil {
			out.Rejected = append(out.Rejected, rejected{Schedule: spec, Error: err.Error()})
		} else {
			fmt.Fprintf(os.Stderr, "robfig accepts %q\n", spec)
		}
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}

// transitions returns the instants in the given year at which the zone's UTC offset changes.
func transitions(loc *time.Location, year int) []time.Time {
	var out []time.Time
	t := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	end := time.Date(year+1, 1, 1, 0, 0, 0, 0, loc)
	_, off := t.Zone()
	for ; t.Before(end); t = t.Add(15 * time.Minute) {
		if _, o := t.Zone(); o != off {
			out = append(out, t)
			off = o
		}
	}
	return out
}

var months = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
var days = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func randomSpec(r *rand.Rand) string {
	return strings.Join([]string{
		randomField(r, 0, 59, nil), randomField(r, 0, 23, nil), randomField(r, 1, 31, nil),
		randomField(r, 1, 12, months), randomField(r, 0, 6, days),
	}, " ")
}

// randomField builds one field from the grammar robfig accepts: *, ?, n, a-b, */s, a/s, a-b/s and lists.
func randomField(r *rand.Rand, min, max int, names []string) string {
	if r.Intn(3) == 0 {
		if r.Intn(4) == 0 {
			return "?"
		}
		return "*"
	}
	parts := 1 + r.Intn(3)
	var items []string
	for i := 0; i < parts; i++ {
		a := min + r.Intn(max-min+1)
		b := a + r.Intn(max-a+1)
		value := func(v int) string {
			if names != nil && r.Intn(2) == 0 {
				return names[v-min]
			}
			return fmt.Sprint(v)
		}
		switch r.Intn(5) {
		case 0:
			items = append(items, value(a))
		case 1:
			items = append(items, value(a)+"-"+value(b))
		case 2:
			items = append(items, fmt.Sprintf("*/%d", 1+r.Intn(max-min+1)))
		case 3:
			items = append(items, fmt.Sprintf("%s/%d", value(a), 1+r.Intn(max-min+1)))
		default:
			items = append(items, fmt.Sprintf("%s-%s/%d", value(a), value(b), 1+r.Intn(max-min+1)))
		}
	}
	return strings.Join(items, ",")
}
