// Command peers runs the jobs of leasecron's chaos suite on gocron v2, the way a team would replicate a gocron
// scheduler on Kubernetes without leasecron, so that the chaos harness can drive three of them through the same
// faults and count what they execute twice, lose, and fire late (docs/benchmarks.md, "The peers under the same
// chaos"). It is a measuring instrument, not an example to follow.
//
// Two modes (-mode):
//
//	elector  gocron.WithDistributedElector; the elector is client-go's tools/leaderelection over the Lease
//	         "leasecron" (lease 3 s, renew deadline 2 s, retry 500 ms: the chaos suite's timings). IsLeader answers
//	         from a flag set by OnStartedLeading and cleared by OnStoppedLeading; after losing, the replica runs the
//	         election again (a candidate for ever, as a scheduler replica must be).
//	locker   gocron.WithDistributedLocker; Lock(key) takes the Lease "gocron-lock-<job>" when it is absent, released
//	         (no holder) or expired (its renewTime plus leaseDurationSeconds, 3 s, before this replica's clock): a
//	         create, or an update conditional on the resourceVersion read; anything else (held, a conflict, an
//	         error) skips the run. Unlock releases it with an update conditional on the resourceVersion this lock
//	         wrote. That is the pattern of gocron's own Redis locker (SET NX with a TTL, DELETE on Unlock) over a
//	         Lease.
//
// Every run POSTs to the target with the headers of leasecron's HTTP contract that the harness counts by:
// Leasecron-Job, Leasecron-Scheduled-Time (gocron's scheduled time of the run, from its SchedulerMonitor; see
// scheduledTimes for the one correction),
// Idempotency-Key (job and slot), Leasecron-Replica (POD_NAME), Leasecron-Term (the elector: how many times this
// process has started leading; the locker: 0) and Leasecron-Attempt (1).
//
// Environment: KUBECONFIG, POD_NAME, POD_NAMESPACE, PEERS_TARGET (URL), PEERS_JOBS (lines "<job id> <6-field
// cron>"), QUARKUS_MANAGEMENT_PORT (where /q/health/live and /q/health/ready answer, as on the service; the
// harness sets it for every replica process it starts).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/robfig/cron/v3"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

const (
	leaseDuration = 3 * time.Second
	renewDeadline = 2 * time.Second
	retryPeriod   = 500 * time.Millisecond
	// The API client's timeout: no request outlives the renew deadline (as leasecron's contract asks of its own
	// client). client-go's default is no timeout at all, which lets a cut connection hang a Lock for minutes.
	requestTimeout = renewDeadline
)

func main() {
	mode := flag.String("mode", "", "elector or locker")
	flag.Parse()
	if *mode != "elector" && *mode != "locker" {
		log.Fatalf("-mode must be elector or locker, got %q", *mode)
	}
	name := must("POD_NAME")
	namespace := must("POD_NAMESPACE")
	target := must("PEERS_TARGET")
	jobs := parseJobs(must("PEERS_JOBS"))

	cfg, err := clientcmd.BuildConfigFromFlags("", must("KUBECONFIG"))
	if err != nil {
		log.Fatalf("KUBECONFIG: %v", err)
	}
	cfg.Timeout = requestTimeout
	// client-go's default client-side limit (5 requests a second, bursts of 10) would hold back the locker's three
	// requests per run of each job and make every run late for a reason the pattern does not need.
	cfg.QPS, cfg.Burst = 100, 200
	cfg.UserAgent = "gocron-peer/" + name
	client := kubernetes.NewForConfigOrDie(cfg)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	slots := &scheduledTimes{byJob: map[uuid.UUID]time.Time{}}
	options := []gocron.SchedulerOption{gocron.WithLocation(time.UTC), gocron.WithSchedulerMonitor(slots)}
	var term atomic.Int64
	var e *elector
	switch *mode {
	case "elector":
		e = &elector{}
		go e.run(ctx, client, namespace, name, &term)
		options = append(options, gocron.WithDistributedElector(e))
	case "locker":
		options = append(options, gocron.WithDistributedLocker(&leaseLocker{client: client, namespace: namespace, holder: name}))
	}
	s, err := gocron.NewScheduler(options...)
	if err != nil {
		log.Fatalf("scheduler: %v", err)
	}
	httpClient := &http.Client{Timeout: 5 * time.Second}
	for _, j := range jobs {
		j := j
		grid, err := cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow).Parse(j.cron)
		if err != nil {
			log.Fatalf("job %s (%q): %v", j.id, j.cron, err)
		}
		var job gocron.Job
		job, err = s.NewJob(gocron.CronJob(j.cron, true), gocron.NewTask(func() {
			slot := slots.take(job.ID())
			if e != nil && slot.Before(e.since()) {
				slot = latest(grid, time.Now())
			}
			fire(httpClient, target, j.id, slot, name, term.Load())
		}), gocron.WithName(j.id))
		if err != nil {
			log.Fatalf("job %s (%q): %v", j.id, j.cron, err)
		}
	}
	s.Start()
	go serveHealth()
	log.Printf("%s: %s mode, %d jobs, firing to %s", name, *mode, len(jobs), target)
	<-ctx.Done()
	_ = s.Shutdown()
}

type jobDef struct{ id, cron string }

func parseJobs(spec string) []jobDef {
	var out []jobDef
	sc := bufio.NewScanner(strings.NewReader(spec))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		id, cron, ok := strings.Cut(line, " ")
		if !ok {
			log.Fatalf("PEERS_JOBS: %q is not \"<job id> <cron>\"", line)
		}
		out = append(out, jobDef{id, strings.TrimSpace(cron)})
	}
	if len(out) == 0 {
		log.Fatal("PEERS_JOBS names no job")
	}
	return out
}

func fire(c *http.Client, target, job string, slot time.Time, replica string, term int64) {
	req, _ := http.NewRequest(http.MethodPost, target, nil)
	scheduled := slot.UTC().Format("2006-01-02T15:04:05.000Z")
	req.Header.Set("Leasecron-Job", job)
	req.Header.Set("Leasecron-Scheduled-Time", scheduled)
	req.Header.Set("Idempotency-Key", job+"@"+scheduled)
	req.Header.Set("Leasecron-Replica", replica)
	req.Header.Set("Leasecron-Term", fmt.Sprint(term))
	req.Header.Set("Leasecron-Attempt", "1")
	resp, err := c.Do(req)
	if err != nil {
		log.Printf("fire %s %s: %v", job, scheduled, err)
		return
	}
	resp.Body.Close()
}

// scheduledTimes carries gocron's scheduled time of a run to its task: gocron reports it to the SchedulerMonitor
// (JobSchedulingDelay) on the goroutine that calls the task right after, and passes the task nothing per run.
// Limit: two runs of one job between those two calls at the same moment would swap their times; the chaos jobs
// finish in milliseconds, a second or more before their next run.
//
// The one correction: gocron v2.19.1 reports the oldest entry of the job's list of scheduled times, and a run the
// elector skips leaves its entry in that list (only a run that happens, or one a locker skips, clears past
// entries). So a follower's first run as leader is reported with the first slot it skipped as a follower, seconds
// or minutes old. A time before this replica started leading cannot be the slot of a run it passed as leader, so
// such a run gets the job's latest slot at or before now instead (the slot whose timer just fired).
type scheduledTimes struct {
	mu    sync.Mutex
	byJob map[uuid.UUID]time.Time
}

func (s *scheduledTimes) JobSchedulingDelay(job gocron.Job, scheduled time.Time, _ time.Time) {
	s.mu.Lock()
	s.byJob[job.ID()] = scheduled
	s.mu.Unlock()
}

func (s *scheduledTimes) take(id uuid.UUID) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byJob[id]
}

func (s *scheduledTimes) SchedulerStarted()                          {}
func (s *scheduledTimes) SchedulerStopped()                          {}
func (s *scheduledTimes) SchedulerShutdown()                         {}
func (s *scheduledTimes) JobRegistered(gocron.Job)                   {}
func (s *scheduledTimes) JobUnregistered(gocron.Job)                 {}
func (s *scheduledTimes) JobStarted(gocron.Job)                      {}
func (s *scheduledTimes) JobRunning(gocron.Job)                      {}
func (s *scheduledTimes) JobFailed(gocron.Job, error)                {}
func (s *scheduledTimes) JobCompleted(gocron.Job)                    {}
func (s *scheduledTimes) JobExecutionTime(gocron.Job, time.Duration) {}
func (s *scheduledTimes) ConcurrencyLimitReached(string, gocron.Job) {}

// elector is gocron's Elector on client-go's leader election.
type elector struct {
	leading      atomic.Bool
	leadingSince atomic.Int64
}

// since is when this replica last started leading (Unix nanoseconds as a time).
func (e *elector) since() time.Time { return time.Unix(0, e.leadingSince.Load()) }

// latest is the last time of grid at or before now (the chaos jobs' grids have a slot every one or two seconds).
func latest(grid cron.Schedule, now time.Time) time.Time {
	var last time.Time
	for t := grid.Next(now.Add(-time.Minute)); !t.After(now); t = grid.Next(t) {
		last = t
	}
	return last
}

func (e *elector) IsLeader(context.Context) error {
	if e.leading.Load() {
		return nil
	}
	return errors.New("not the leader")
}

func (e *elector) run(ctx context.Context, client kubernetes.Interface, namespace, name string, term *atomic.Int64) {
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Name: "leasecron", Namespace: namespace},
		Client:     client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: name},
	}
	for ctx.Err() == nil {
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock:            lock,
			LeaseDuration:   leaseDuration,
			RenewDeadline:   renewDeadline,
			RetryPeriod:     retryPeriod,
			ReleaseOnCancel: true,
			Name:            "gocron",
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(context.Context) {
					term.Add(1)
					e.leadingSince.Store(time.Now().UnixNano())
					e.leading.Store(true)
					log.Printf("%s: leading (term %d)", name, term.Load())
				},
				OnStoppedLeading: func() {
					e.leading.Store(false)
					log.Printf("%s: stopped leading", name)
				},
			},
		})
		if err != nil {
			log.Fatalf("leader election: %v", err)
		}
		le.Run(ctx)
	}
}

// leaseLocker is gocron's Locker over one Lease per job (see the package comment).
type leaseLocker struct {
	client    kubernetes.Interface
	namespace string
	holder    string
}

type leaseLock struct {
	l     *leaseLocker
	lease *coordinationv1.Lease
}

func (l *leaseLocker) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	leases := l.client.CoordinationV1().Leases(l.namespace)
	name := "gocron-lock-" + strings.NewReplacer("/", ".", "_", "-").Replace(key)
	now := metav1.NewMicroTime(time.Now())
	seconds := int32(leaseDuration / time.Second)
	spec := coordinationv1.LeaseSpec{HolderIdentity: &l.holder, LeaseDurationSeconds: &seconds, AcquireTime: &now, RenewTime: &now}
	current, err := leases.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		created, err := leases.Create(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec}, metav1.CreateOptions{})
		if err != nil {
			return nil, err
		}
		return &leaseLock{l, created}, nil
	}
	if err != nil {
		return nil, err
	}
	free := current.Spec.HolderIdentity == nil || *current.Spec.HolderIdentity == "" || current.Spec.RenewTime == nil ||
		current.Spec.LeaseDurationSeconds == nil ||
		current.Spec.RenewTime.Add(time.Duration(*current.Spec.LeaseDurationSeconds)*time.Second).Before(time.Now())
	if !free {
		return nil, fmt.Errorf("%s is held by %s", name, *current.Spec.HolderIdentity)
	}
	current.Spec = spec
	updated, err := leases.Update(ctx, current, metav1.UpdateOptions{}) // conditional on current.ResourceVersion
	if err != nil {
		return nil, err
	}
	return &leaseLock{l, updated}, nil
}

func (k *leaseLock) Unlock(ctx context.Context) error {
	released := k.lease.DeepCopy()
	empty := ""
	released.Spec.HolderIdentity = &empty
	_, err := k.l.client.CoordinationV1().Leases(k.l.namespace).Update(ctx, released, metav1.UpdateOptions{})
	return err
}

func serveHealth() {
	port := must("QUARKUS_MANAGEMENT_PORT")
	ok := func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }
	mux := http.NewServeMux()
	mux.HandleFunc("/q/health/live", ok)
	mux.HandleFunc("/q/health/ready", ok)
	mux.HandleFunc("/q/metrics", ok)
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, mux))
}

func must(env string) string {
	v := os.Getenv(env)
	if v == "" {
		log.Fatalf("%s is not set", env)
	}
	return v
}
