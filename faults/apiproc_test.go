package faults

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"zhucan/internal/testenv"
)

// apiEnv is what `zhucan api` processes of a test share.
type apiEnv struct {
	bin      string
	dsn      string
	temporal string // host:port the API dials for Temporal
	queue    string
	addr     string // host:port the API listens on
	day      time.Duration
}

// apiProc is `zhucan api` running as its own OS process.
type apiProc struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
}

// lockedBuffer collects a process's output for the test's log.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// tail returns the last n bytes written.
func (l *lockedBuffer) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.b.Bytes()
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// withAppName returns dsn with application_name set, so that the test can
// find the PostgreSQL sessions of one API process in pg_stat_activity.
func withAppName(t *testing.T, dsn, name string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// startAPI runs `zhucan api` under the sandbox policy and waits until its
// /healthz answers 200. name is its PostgreSQL application_name.
func startAPI(t *testing.T, e apiEnv, name string) *apiProc {
	t.Helper()
	cmd := exec.Command(e.bin, "api")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+withAppName(t, e.dsn, name), "TEMPORAL_ADDRESS="+e.temporal,
		"ZHUCAN_TASK_QUEUE="+e.queue, "ZHUCAN_HTTP_ADDR="+e.addr, "ZHUCAN_PAYLOAD_KEY="+testenv.PayloadKey,
		"ZHUCAN_POLICY=sandbox", "ZHUCAN_DAY="+e.day.String(), "ZHUCAN_DATA_DIR="+t.TempDir(), "ZHUCAN_ADMIN_TOKEN=")
	p := &apiProc{t: t, name: name, cmd: cmd, out: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("%s output (tail):\n%s", name, p.out.tail(6000))
		}
	})
	hc := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := hc.Get("http://" + e.addr + "/healthz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited before it was healthy:\n%s", name, p.out.tail(4000))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not healthy within a minute:\n%s", name, p.out.tail(4000))
		}
	}
}

// kill sends SIGKILL and waits until the process is gone.
func (p *apiProc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// gate is a TCP proxy in front of Temporal that can hold what its clients
// send: a request held at the gate has left the API but has not reached
// Temporal. Answers from Temporal always pass.
type gate struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cond   *sync.Cond
	held   bool
	gen    int // connections of an earlier generation were cut
	chunks int // chunks that arrived while held
	conns  map[net.Conn]bool
}

// newGate listens on a loopback port and forwards to target.
func newGate(t *testing.T, target string) *gate {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{ln: ln, target: target, conns: map[net.Conn]bool{}}
	g.cond = sync.NewCond(&g.mu)
	go g.serve()
	t.Cleanup(func() {
		ln.Close()
		g.cut()
	})
	return g
}

// addr is where clients connect.
func (g *gate) addr() string { return g.ln.Addr().String() }

func (g *gate) serve() {
	for {
		c, err := g.ln.Accept()
		if err != nil {
			return
		}
		go g.pipe(c)
	}
}

func (g *gate) pipe(c net.Conn) {
	u, err := net.DialTimeout("tcp", g.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	g.mu.Lock()
	gen := g.gen
	g.conns[c], g.conns[u] = true, true
	g.mu.Unlock()
	defer func() {
		c.Close()
		u.Close()
		g.mu.Lock()
		delete(g.conns, c)
		delete(g.conns, u)
		g.mu.Unlock()
	}()
	go func() {
		_, _ = io.Copy(c, u)
		c.Close()
		u.Close()
	}()
	// The reader queues what the client sends, held or not, so that every
	// request that leaves the client is counted; the writer forwards the
	// queue while the gate is open.
	var queue [][]byte
	eof := false
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := c.Read(buf)
			g.mu.Lock()
			if n > 0 {
				if g.held {
					g.chunks++
				}
				queue = append(queue, append([]byte(nil), buf[:n]...))
			}
			if err != nil {
				eof = true
			}
			g.cond.Broadcast()
			g.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	for {
		g.mu.Lock()
		for gen == g.gen && (g.held || len(queue) == 0) && !(eof && len(queue) == 0) {
			g.cond.Wait()
		}
		if gen != g.gen || len(queue) == 0 {
			g.mu.Unlock()
			return // cut (what is held is dropped), or the client is gone
		}
		chunk := queue[0]
		queue = queue[1:]
		g.mu.Unlock()
		if _, err := u.Write(chunk); err != nil {
			return
		}
	}
}

// hold stops forwarding what clients send.
func (g *gate) hold() {
	g.mu.Lock()
	g.held = true
	g.mu.Unlock()
}

// heldChunks counts the chunks that arrived while the gate held.
func (g *gate) heldChunks() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.chunks
}

// cut closes every connection, dropping what is held, and opens the gate
// for new connections.
func (g *gate) cut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gen++
	g.held = false
	for c := range g.conns {
		c.Close()
	}
	g.cond.Broadcast()
}

// waitUntil polls cond every 20 ms until it holds, failing the test when
// it does not within d or when it reports an error.
func waitUntil(ctx context.Context, t *testing.T, d time.Duration, what string, cond func(context.Context) (bool, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		ok, err := cond(ctx)
		if err != nil && ctx.Err() == nil {
			t.Fatalf("waiting until %s: %v", what, err)
		}
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal(fmt.Errorf("waiting until %s: %w", what, ctx.Err()))
		case <-time.After(20 * time.Millisecond):
		}
	}
}
