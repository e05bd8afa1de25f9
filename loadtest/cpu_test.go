package loadtest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is the unit of /proc's CPU times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// cpuTimes is the CPU time the machine has used, split by who used it: the
// Temporal dev server (the engine), this process (API, worker and the
// load generator), PostgreSQL (when it runs on this machine) and the rest
// (the kernel's network work between them, whatever else runs).
type cpuTimes struct {
	engine, self, postgres, total time.Duration
}

// sub returns the CPU time used between o and c.
func (c cpuTimes) sub(o cpuTimes) cpuTimes {
	return cpuTimes{engine: c.engine - o.engine, self: c.self - o.self, postgres: c.postgres - o.postgres, total: c.total - o.total}
}

// add returns the sum of c and o.
func (c cpuTimes) add(o cpuTimes) cpuTimes {
	return cpuTimes{engine: c.engine + o.engine, self: c.self + o.self, postgres: c.postgres + o.postgres, total: c.total + o.total}
}

// rest is the CPU time used by neither the engine, this process nor PostgreSQL.
func (c cpuTimes) rest() time.Duration { return max(0, c.total-c.engine-c.self-c.postgres) }

// readCPU reads the CPU times from /proc; ok is false where there is none.
func readCPU() (c cpuTimes, ok bool) {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return c, false
	}
	line, _, _ := bytes.Cut(stat, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 9 || f[0] != "cpu" {
		return c, false
	}
	// user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
	for i, v := range f[1:9] {
		if i == 3 || i == 4 {
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		c.total += time.Duration(n) * clockTick
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		c.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	c.engine, c.postgres = processCPU()
	return c, true
}

// processCPU is the CPU time of the Temporal dev servers this process
// started (its children running bin/temporal) and of PostgreSQL's
// processes: each one's own, and the postmaster's reaped children's
// (backends whose connection closed).
func processCPU() (engine, postgres time.Duration) {
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	me := strconv.Itoa(os.Getpid())
	pids := map[string]bool{}
	type proc struct {
		parent      string
		own, reaped time.Duration
	}
	var pg []proc
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// The command name is in parentheses and may hold spaces: the
		// fields that follow start after the last ')'.
		i := bytes.LastIndexByte(b, ')')
		j := bytes.IndexByte(b, '(')
		if i < 0 || j < 0 {
			continue
		}
		name := string(b[j+1 : i])
		f := strings.Fields(string(b[i+1:]))
		// f[0] is the state, f[1] the parent, f[11] utime, f[12] stime,
		// f[13] cutime, f[14] cstime.
		if len(f) < 15 || (name != "temporal" && name != "postgres") {
			continue
		}
		ticks := func(k int) time.Duration {
			n, _ := strconv.ParseInt(f[k], 10, 64)
			return time.Duration(n) * clockTick
		}
		switch {
		case name == "temporal" && f[1] == me:
			engine += ticks(11) + ticks(12)
		case name == "postgres":
			pids[filepath.Base(filepath.Dir(p))] = true
			pg = append(pg, proc{parent: f[1], own: ticks(11) + ticks(12), reaped: ticks(13) + ticks(14)})
		}
	}
	for _, p := range pg {
		postgres += p.own
		if !pids[p.parent] {
			postgres += p.reaped // the postmaster
		}
	}
	return engine, postgres
}

// perAction renders CPU time per action, split by who used it.
func (c cpuTimes) perAction(n int) string {
	if n == 0 {
		return "-"
	}
	per := func(d time.Duration) string { return (d / time.Duration(n)).Round(100 * time.Microsecond).String() }
	return fmt.Sprintf("%s (engine %s, API and worker %s, PostgreSQL %s, rest %s)", per(c.total), per(c.engine), per(c.self), per(c.postgres), per(c.rest()))
}
