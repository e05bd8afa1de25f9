package loadtest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhucan/catalog"
	"zhucan/rules"
	"zhucan/store"
)

// This file generates a district's purchases over several fiscal years and
// bulk-loads them with COPY. Every purchase follows the workflow's life
// (tender, evaluation, challenge period, contract, delivery, assessment,
// settlement, with failed rounds, challenges, cancellations and
// terminations) on dates relative to the moment of loading, so that the
// in-flight purchases, open tasks and overdue milestones of the current
// year are where a real district would have them. The data is
// deterministic apart from that moment.

// rmScale sizes a generated data set.
type rmScale struct {
	Purchases, Milestones, Years, Suppliers, Officers, Evaluators int
}

func (s rmScale) String() string {
	return fmt.Sprintf("%d purchases/%d milestones/%d years/%d organisations/%d officers/%d evaluators",
		s.Purchases, s.Milestones, s.Years, s.Suppliers, s.Officers, s.Evaluators)
}

// rmFull is the scale of issue #8.
var rmFull = rmScale{Purchases: 1_000_000, Milestones: 5_000_000, Years: 10, Suppliers: 2_000, Officers: 60, Evaluators: 600}

const (
	rmSeed = 8 // issue #8
	day    = int64(24 * 3600)
)

// Purchase statuses, in the order of the workflow.
const (
	stTendering uint8 = iota
	stEvaluating
	stChallenge
	stContracting
	stDelivering
	stAssessing
	stSettled
	stFailed
	stCancelled
	stTerminated
)

var statusNames = []string{"tendering", "evaluating", "challenge_period", "contracting", "delivering", "assessing",
	"settled", "failed", "cancelled", "terminated"}

var methodNames = []string{"open_tender", "competitive_consultation", "single_source"}

// rmPlan is one purchase's life, decided once; the rows of every table
// are derived from it. Times are Unix seconds.
type rmPlan struct {
	yi, item        int16
	method, status  uint8
	round           uint8
	failed1         bool // round 1 failed for want of bids
	failBids        uint8
	nbids           uint8 // bids opened in the successful round
	winner          uint8
	panel           uint8 // panel members, including a recused one
	recused         bool
	cancelled       bool
	terminated      bool
	challenge       uint8 // 0 none, 1 answered, 2 awaiting an answer
	award           uint8 // 0 none, 1 notified, 2 signed, 3 forfeited
	officerSigned   bool
	supplierSigned  bool
	midterm         bool
	nms             uint8
	street, comm    uint8
	batch           uint8
	officer         int32
	budget          int32
	failBidders     [2]int32
	bidders         [6]int32
	members         [8]int32 // panel..., then inspector and assessor
	prices          [6]int64
	quantity        int64
	ceiling         int64
	created         int64
	deadline1       int64
	failAt          int64
	decideAt        int64
	deadline        int64
	evalEnd         int64
	challengeFiled  int64
	challengeAnswer int64
	challengeEnd    int64
	signedAt        int64
	start, end      int64
	assessEnd       int64
	cancelAt        int64
	termAt          int64
	bidBase         int64
	awardID         int64
	contractID      int64
	challengeID     int64
}

// rmGen holds the generated world.
type rmGen struct {
	scale     rmScale
	now       int64 // the moment of loading
	firstYear int
	items     []catalog.Item
	indicator [][]byte // indicators JSON per item
	itemCum   []int    // cumulative item weights
	areas     []catalog.Area
	areaOf    []int // area index per item
	byArea    [][]int32
	supAreas  [][]int
	plans     []rmPlan
	officer0  int64 // first officer's user ID
	eval0     int64 // first evaluator's user ID
	supUser0  int64 // first organisation user's user ID

	budgetMu       sync.Mutex
	budgetReserved []int64
	budgetPaid     []int64
	counts         map[string]int64
}

var (
	streets     = []string{"东湖", "西山", "南河", "北桥", "中城", "新园", "长港", "青林", "金湖", "银山", "龙河", "凤桥", "华城", "安园", "和港", "平林", "永湖", "兴山", "文河", "明桥"}
	streetKinds = []string{"街道", "镇"}
	communities = []string{"桂花", "枫林", "翠竹", "阳光", "幸福", "和谐", "康乐", "春晖", "锦绣", "紫荆"}
	batches     = []string{"", "（第二批）", "（第三批）", "（补充）"}
)

func streetName(i uint8) string {
	return streets[int(i)%len(streets)] + streetKinds[int(i)/len(streets)]
}

func (g *rmGen) title(id int64, p *rmPlan) string {
	return fmt.Sprintf("%s%s社区%d年度%s服务项目%s", streetName(p.street), communities[p.comm], g.firstYear+int(p.yi),
		g.items[p.item].NameZH, batches[p.batch])
}

// newGen decides every purchase of scale at the moment now.
func newGen(scale rmScale, now time.Time) (*rmGen, error) {
	cats, err := catalog.Defaults()
	if err != nil {
		return nil, fmt.Errorf("read the default catalogue: %w", err)
	}
	c := cats[len(cats)-1]
	cur := now.In(shanghai).Year()
	g := &rmGen{scale: scale, now: now.Unix(), firstYear: cur - scale.Years + 1, items: c.Items, areas: c.Areas,
		counts: map[string]int64{}}
	g.officer0 = 2
	g.eval0 = g.officer0 + int64(scale.Officers)
	g.supUser0 = g.eval0 + int64(scale.Evaluators)
	area := map[string]int{}
	for i, a := range c.Areas {
		area[a.Code] = i
	}
	total := 0
	for i, it := range c.Items {
		g.areaOf = append(g.areaOf, area[it.Area])
		ind, err := json.Marshal(it.Indicators)
		if err != nil {
			return nil, fmt.Errorf("encode indicators of %s: %w", it.Code, err)
		}
		g.indicator = append(g.indicator, ind)
		total += 2 + (i*7)%5 // some services are bought more often than others
		g.itemCum = append(g.itemCum, total)
	}
	// Organisations work in one or two areas and hold the qualifications
	// of every item there.
	rng := rand.New(rand.NewPCG(rmSeed, 1))
	g.byArea = make([][]int32, len(c.Areas))
	for s := range scale.Suppliers {
		as := []int{s % len(c.Areas)}
		if rng.IntN(2) == 0 {
			if b := rng.IntN(len(c.Areas)); b != as[0] {
				as = append(as, b)
			}
		}
		g.supAreas = append(g.supAreas, as)
		for _, a := range as {
			g.byArea[a] = append(g.byArea[a], int32(s+1))
		}
	}
	g.plans = make([]rmPlan, scale.Purchases)
	var nextBid, nextAward, nextContract, nextChallenge int64 = 1, 1, 1, 1
	perYear := scale.Purchases / scale.Years
	for i := range g.plans {
		yi := min(i/perYear, scale.Years-1)
		k, n := i-yi*perYear, perYear
		if yi == scale.Years-1 {
			n = scale.Purchases - yi*perYear
		}
		p := &g.plans[i]
		g.decide(int64(i+1), yi, k, n, p)
		if p.failBids+p.nbids > 0 {
			p.bidBase = nextBid
			nextBid += int64(p.failBids + p.nbids)
		}
		if p.award != 0 {
			p.awardID = nextAward
			nextAward++
		}
		if p.award == 2 {
			p.contractID = nextContract
			nextContract++
		}
		if p.challenge != 0 {
			p.challengeID = nextChallenge
			nextChallenge++
		}
	}
	g.spreadMilestones(nextContract - 1)
	return g, nil
}

func (g *rmGen) yearBounds(yi int) (int64, int64) {
	y := g.firstYear + yi
	start := time.Date(y, 1, 1, 0, 0, 0, 0, shanghai).Unix()
	end := time.Date(y+1, 1, 1, 0, 0, 0, 0, shanghai).Unix()
	return start, min(end, g.now-3600)
}

func between(rng *rand.Rand, lo, hi int64) int64 { return lo + rng.Int64N(hi-lo+1) }

// decide draws the life of purchase id, the k-th of n in year yi.
func (g *rmGen) decide(id int64, yi, k, n int, p *rmPlan) {
	rng := rand.New(rand.NewPCG(rmSeed, uint64(id)))
	now := g.now
	p.yi = int16(yi)
	w := rng.IntN(g.itemCum[len(g.itemCum)-1])
	for i, c := range g.itemCum {
		if w < c {
			p.item = int16(i)
			break
		}
	}
	it := g.items[p.item]
	a := g.areaOf[p.item]
	// Twenty officers buy in any year; each stays five years.
	active := max(1, g.scale.Officers/3)
	p.officer = int32(g.officer0) + int32((yi*max(1, g.scale.Officers/15)+rng.IntN(active))%g.scale.Officers)
	cat := a
	if rng.IntN(100) < 15 {
		cat = len(g.areas) // the general line
	}
	p.budget = int32(yi*(len(g.areas)+1) + cat + 1)
	switch r := rng.IntN(100); {
	case r < 80:
		p.method = 0
	case r < 95:
		p.method = 1
	default:
		p.method = 2
	}
	p.street, p.comm = uint8(rng.IntN(2*len(streets))), uint8(rng.IntN(len(communities)))
	if rng.IntN(10) == 0 {
		p.batch = uint8(1 + rng.IntN(len(batches)-1))
	}
	p.quantity = between(rng, 10, 200)
	p.ceiling = p.quantity * between(rng, it.PriceMinFen, it.PriceMaxFen)
	ys, ye := g.yearBounds(yi)
	p.created = ys + (ye-ys)*int64(k)/int64(n) + rng.Int64N(max(1, (ye-ys)/int64(n)))
	p.deadline1 = p.created + between(rng, 20, 30)*day
	p.round = 1
	p.deadline = p.deadline1
	p.failed1 = p.method != 2 && rng.IntN(100) < 5
	cancelAfterFail := false
	if p.failed1 {
		p.failAt = p.deadline1 + between(rng, 1, 2)*3600
		p.decideAt = p.failAt + between(rng, 1, 5)*day
		cancelAfterFail = rng.IntN(5) == 0
		if now >= p.decideAt && !cancelAfterFail {
			p.round = 2
			p.deadline = p.decideAt + between(rng, 15, 20)*day
		}
		if now >= p.deadline1 {
			p.failBids = uint8(rng.IntN(3))
		}
	}
	p.evalEnd = p.deadline + between(rng, 3, 6)*day
	p.challengeEnd = p.evalEnd + between(rng, 7, 10)*day
	p.signedAt = p.challengeEnd + between(rng, 2, 10)*day
	p.start = p.signedAt + between(rng, 1, 15)*day
	p.end = p.start + between(rng, 120, 365)*day
	p.assessEnd = p.end + between(rng, 10, 30)*day
	p.cancelled = !p.failed1 && rng.IntN(100) < 3
	p.cancelAt = p.created + rng.Int64N(p.evalEnd-p.created)
	p.terminated = rng.IntN(1000) < 15
	p.termAt = p.start + (p.end-p.start)*between(rng, 10, 90)/100
	p.midterm = p.end-p.start >= 180*day && rng.IntN(4) == 0
	p.panel = 3
	if p.ceiling >= 50_000_000 || rng.IntN(5) == 0 {
		p.panel = 5
	}
	p.recused = rng.IntN(100) == 0
	if p.recused {
		p.panel++
	}
	picked := map[int32]bool{}
	for i := range int(p.panel) + 2 {
		for {
			u := int32(g.eval0) + int32(rng.IntN(g.scale.Evaluators))
			if !picked[u] {
				picked[u] = true
				p.members[i] = u
				break
			}
		}
	}
	// Bidders come from the organisations qualified in the area.
	pool := g.byArea[a]
	pick := func(dst []int32) {
		seen := map[int32]bool{}
		for i := range dst {
			for {
				s := pool[rng.IntN(len(pool))]
				if !seen[s] {
					seen[s] = true
					dst[i] = s
					break
				}
			}
		}
	}
	p.failBids = min(p.failBids, uint8(len(pool)))
	pick(p.failBidders[:p.failBids])

	// Where is it now?
	switch {
	case p.failed1 && now >= p.failAt && now < p.decideAt:
		p.status = stFailed
	case p.failed1 && cancelAfterFail && now >= p.decideAt:
		p.status, p.cancelled, p.cancelAt = stCancelled, true, p.decideAt
	case p.failed1 && now < p.failAt:
		p.status = stTendering
		if now >= p.deadline1 {
			p.status = stEvaluating
		}
	case p.cancelled && now >= p.cancelAt:
		p.status = stCancelled
	case now < p.deadline:
		p.status = stTendering
	case now < p.evalEnd:
		p.status = stEvaluating
	case now < p.challengeEnd:
		p.status = stChallenge
	case now < p.signedAt:
		p.status = stContracting
	case p.terminated && now >= p.termAt:
		p.status = stTerminated
	case now < p.end:
		p.status = stDelivering
	case now < p.assessEnd:
		p.status = stAssessing
	default:
		p.status = stSettled
	}
	if p.status != stCancelled {
		p.cancelled = false
	}
	if p.status != stTerminated {
		p.terminated = false
	}
	if p.failed1 && p.round == 1 {
		return // the successful round never came
	}
	opened := now >= p.deadline && !(p.cancelled && p.cancelAt < p.deadline)
	if !opened {
		return
	}
	switch p.method {
	case 0:
		p.nbids = uint8(between(rng, 3, 6))
	case 1:
		p.nbids = uint8(between(rng, 3, 4))
	default:
		p.nbids = 1
	}
	p.nbids = min(p.nbids, uint8(len(pool)))
	pick(p.bidders[:p.nbids])
	for i := range int(p.nbids) {
		p.prices[i] = p.ceiling * between(rng, 80, 99) / 100
		if p.prices[i] < p.prices[p.winner] {
			p.winner = uint8(i)
		}
	}
	if p.cancelled && p.cancelAt < p.evalEnd {
		return
	}
	if now >= p.evalEnd {
		p.award = 1
		if rng.IntN(100) < 3 {
			p.challengeFiled = p.evalEnd + between(rng, 1, 5)*day
			p.challengeAnswer = p.challengeFiled + between(rng, 2, 6)*day
			if now >= p.challengeFiled {
				p.challenge = 1
				if now < p.challengeAnswer {
					p.challenge = 2
				}
			}
		}
	}
	switch p.status {
	case stContracting:
		p.officerSigned = rng.IntN(2) == 0
		p.supplierSigned = rng.IntN(2) == 0
		if rng.IntN(100) < 3 {
			p.award = 3
		}
	case stDelivering, stAssessing, stSettled, stTerminated:
		p.award = 2
	}
}

// spreadMilestones gives each contract three to eight milestones, adding
// up to the scale's number.
func (g *rmGen) spreadMilestones(contracts int64) {
	if contracts == 0 {
		return
	}
	rng := rand.New(rand.NewPCG(rmSeed, 2))
	want := int64(g.scale.Milestones)
	var sum int64
	var cs []*rmPlan
	for i := range g.plans {
		if p := &g.plans[i]; p.contractID != 0 {
			p.nms = uint8(3 + rng.IntN(6))
			sum += int64(p.nms)
			cs = append(cs, p)
		}
	}
	for sum != want {
		p := cs[rng.IntN(len(cs))]
		switch {
		case sum < want && p.nms < 8:
			p.nms++
			sum++
		case sum > want && p.nms > 3:
			p.nms--
			sum--
		case sum < want && want > 8*int64(len(cs)), sum > want && want < 3*int64(len(cs)):
			return // out of reach at this scale
		}
	}
}

// rmMilestone is one milestone as of now.
type rmMilestone struct {
	seq                            int
	due                            int64
	qty, pct, pay                  int64
	status                         string
	accQty, beneficiaries          int64
	reportedAt, acceptedAt, paidAt int64
	late, overdue, reported        bool
	returned                       bool
}

func (g *rmGen) milestones(id int64, p *rmPlan, out []rmMilestone) []rmMilestone {
	out = out[:0]
	rng := rand.New(rand.NewPCG(rmSeed+1, uint64(id)))
	n := int64(p.nms)
	amount := p.prices[p.winner]
	ref := g.now
	if p.terminated {
		ref = p.termAt
	}
	done := p.status == stAssessing || p.status == stSettled
	var planned int64
	for i := int64(1); i <= n; i++ {
		m := rmMilestone{seq: int(i), due: p.start + (p.end-p.start)*i/n, qty: p.quantity / n, pct: 100 / n, status: "pending"}
		m.pay = amount * m.pct / 100
		if i == n {
			m.qty, m.pct, m.pay = p.quantity-p.quantity/n*(n-1), 100-100/n*(n-1), amount-planned
		}
		planned += m.pay
		m.late = rng.IntN(100) < 8
		m.reportedAt = m.due - between(rng, 0, 3)*day
		if m.late {
			m.reportedAt = m.due + between(rng, 1, 10)*day
		}
		review := m.reportedAt + between(rng, 1, 5)*day
		switch {
		case done:
			m.reportedAt = min(m.reportedAt, g.now-7200)
			m.acceptedAt = max(min(review, g.now-3600), m.reportedAt+60)
			m.status = "accepted"
		case p.terminated && m.due > p.termAt:
			m.status = "cancelled"
			m.late = false
		case m.reportedAt > ref:
			m.overdue = ref > m.due
			m.late = false
			if !m.overdue && m.due-ref < 7*day && rng.IntN(100) < 3 {
				m.reportedAt, m.status = ref-day/2, "reported" // reported early
			}
		case review > ref:
			m.status = "reported"
			if m.late {
				m.overdue = true
			}
		default:
			m.status = "accepted"
			m.acceptedAt = review
			if ref-review < 15*day && rng.IntN(100) < 10 && !p.terminated {
				m.status, m.acceptedAt = "returned", 0
			}
		}
		if m.late {
			m.overdue = true
		}
		m.reported = m.status == "reported" || m.status == "returned" || m.status == "accepted"
		m.returned = m.status == "returned"
		if m.status == "accepted" {
			m.accQty = m.qty
			if rng.IntN(20) == 0 {
				m.accQty = m.qty * between(rng, 80, 99) / 100
			}
			m.beneficiaries = m.accQty * between(rng, 50, 100) / 100
			m.paidAt = min(m.acceptedAt+between(rng, 1, 7)*day, g.now-60)
			m.paidAt = max(m.paidAt, m.acceptedAt)
		}
		out = append(out, m)
	}
	return out
}

// rmInspection is one quality inspection as of now.
type rmInspection struct {
	seq                 int
	due, recordedAt     int64
	passed              bool
	surveyed, satisfied int64
}

func (g *rmGen) inspections(id int64, p *rmPlan) []rmInspection {
	rng := rand.New(rand.NewPCG(rmSeed+2, uint64(id)))
	k := 1 + rng.Int64N(3)
	ref := g.now
	if p.terminated {
		ref = p.termAt
	}
	var out []rmInspection
	for j := int64(1); j <= k; j++ {
		in := rmInspection{seq: int(j), due: p.start + (p.end-p.start)*j/(k+1)}
		if in.due > ref {
			break
		}
		rec := in.due + between(rng, 0, 5)*day
		if rec < g.now && (g.now-in.due > 7*day || p.status == stSettled || p.status == stAssessing) {
			in.recordedAt = rec
			in.passed = rng.IntN(100) < 92
			in.surveyed = between(rng, 10, 40)
			in.satisfied = in.surveyed * between(rng, 60, 100) / 100
		}
		out = append(out, in)
	}
	return out
}

// shanghai is Beijing time, where fiscal years begin.
var shanghai = time.FixedZone("CST", 8*3600)

// copyWriter streams rows of one table to a COPY FROM STDIN, formatted
// as COPY text by hand (much faster than one Exec per row).
type copyWriter struct {
	ctx context.Context
	cd  interface {
		CopyData(context.Context, string) (driver.Result, error)
	}
	buf  []byte
	rows int64
	col  int
}

func (w *copyWriter) sep() {
	if w.col > 0 {
		w.buf = append(w.buf, '\t')
	}
	w.col++
}

func (w *copyWriter) Int(v int64) *copyWriter {
	w.sep()
	w.buf = strconv.AppendInt(w.buf, v, 10)
	return w
}

func (w *copyWriter) Str(s string) *copyWriter {
	w.sep()
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			w.buf = append(w.buf, `\\`...)
		case '\t':
			w.buf = append(w.buf, `\t`...)
		case '\n':
			w.buf = append(w.buf, `\n`...)
		case '\r':
			w.buf = append(w.buf, `\r`...)
		default:
			w.buf = append(w.buf, c)
		}
	}
	return w
}

func (w *copyWriter) Null() *copyWriter {
	w.sep()
	w.buf = append(w.buf, `\N`...)
	return w
}

func (w *copyWriter) Time(unix int64) *copyWriter {
	w.sep()
	w.buf = time.Unix(unix, 0).UTC().AppendFormat(w.buf, "2006-01-02 15:04:05Z07:00")
	return w
}

func (w *copyWriter) TimeOrNull(unix int64) *copyWriter {
	if unix == 0 {
		return w.Null()
	}
	return w.Time(unix)
}

func (w *copyWriter) Bool(b bool) *copyWriter {
	w.sep()
	if b {
		w.buf = append(w.buf, 't')
	} else {
		w.buf = append(w.buf, 'f')
	}
	return w
}

func (w *copyWriter) Bytea(b []byte) *copyWriter {
	w.sep()
	w.buf = append(w.buf, `\\x`...)
	w.buf = hex.AppendEncode(w.buf, b)
	return w
}

// End finishes a row and hands full buffers to the server.
func (w *copyWriter) End() error {
	w.buf = append(w.buf, '\n')
	w.col = 0
	w.rows++
	if len(w.buf) >= 1<<18 {
		return w.flush()
	}
	return nil
}

func (w *copyWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	// CopyData appends a newline of its own.
	if _, err := w.cd.CopyData(w.ctx, string(w.buf[:len(w.buf)-1])); err != nil {
		return err
	}
	w.buf = w.buf[:0]
	return nil
}

// copyTable runs fill against a COPY of columns into table on a
// connection of its own, in one transaction. With freeze, the table is
// truncated first so that COPY can write frozen rows (no later VACUUM
// rewrites them); that needs its foreign keys dropped.
func copyTable(ctx context.Context, db *store.DB, table string, columns []string, freeze bool, fill func(w *copyWriter) error) (int64, error) {
	conn, err := db.X.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("connect to copy %s: %w", table, err)
	}
	defer release(ctx, conn)
	if _, err := conn.ExecContext(ctx, `SET synchronous_commit = off`); err != nil {
		return 0, fmt.Errorf("prepare to copy %s: %w", table, err)
	}
	var rows int64
	err = conn.Raw(func(dc any) error {
		tx, err := dc.(driver.ConnBeginTx).BeginTx(ctx, driver.TxOptions{})
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }()
		opts := ""
		if freeze {
			if _, err := dc.(driver.ExecerContext).ExecContext(ctx, "TRUNCATE "+pq.QuoteIdentifier(table), nil); err != nil {
				return err
			}
			opts = " WITH (FREEZE)"
		}
		quoted := make([]string, len(columns))
		for i, c := range columns {
			quoted[i] = pq.QuoteIdentifier(c)
		}
		st, err := dc.(driver.ConnPrepareContext).PrepareContext(ctx,
			"COPY "+pq.QuoteIdentifier(table)+" ("+strings.Join(quoted, ", ")+") FROM STDIN"+opts)
		if err != nil {
			return err
		}
		cd, ok := st.(interface {
			CopyData(context.Context, string) (driver.Result, error)
		})
		if !ok {
			_ = st.Close()
			return errors.New("the driver has no CopyData")
		}
		w := &copyWriter{ctx: ctx, cd: cd, buf: make([]byte, 0, 1<<19)}
		if err := fill(w); err != nil {
			_ = st.Close()
			return err
		}
		if err := w.flush(); err != nil {
			_ = st.Close()
			return err
		}
		//lint:ignore SA1019 Exec(nil) ends the COPY stream, as lib/pq documents.
		if _, err := st.Exec(nil); err != nil { //nolint:staticcheck
			_ = st.Close()
			return err
		}
		if err := st.Close(); err != nil {
			return err
		}
		rows = w.rows
		return tx.Commit()
	})
	if err != nil {
		return 0, fmt.Errorf("copy %s: %w", table, err)
	}
	return rows, nil
}

// release returns a connection to the pool without the settings the
// loader gave its session, which would otherwise change the plans of the
// queries measured later on the same pool.
func release(ctx context.Context, conn *sql.Conn) {
	_, _ = conn.ExecContext(ctx, `RESET ALL`)
	_ = conn.Close()
}

// rmTable is one table's loader.
type rmTable struct {
	name    string
	columns []string
	fill    func(g *rmGen, w *copyWriter) error
}

func hash32(parts ...int64) []byte {
	var b [8]byte
	h := sha256.New()
	for _, p := range parts {
		binary.LittleEndian.PutUint64(b[:], uint64(p))
		h.Write(b[:])
	}
	return h.Sum(nil)
}

// creditCode returns organisation n's unified social credit code.
func creditCode(n int) (string, error) {
	first := fmt.Sprintf("5235%05d%08d", n/100_000, n%100_000)
	ch, err := rules.CreditCodeCheckChar(first)
	if err != nil {
		return "", err
	}
	return first + string(ch), nil
}

// rmTables are the loaders, in foreign-key order.
var rmTables = []rmTable{
	{"suppliers", []string{"id", "credit_code", "name", "qualifications", "contact", "welfare_unit", "dishonest", "dishonest_reason", "created_at"},
		func(g *rmGen, w *copyWriter) error {
			for s := 1; s <= g.scale.Suppliers; s++ {
				code, err := creditCode(s)
				if err != nil {
					return err
				}
				quals := map[string]bool{}
				var list []string
				for _, a := range g.supAreas[s-1] {
					for i, it := range g.items {
						if g.areaOf[i] != a {
							continue
						}
						for _, q := range it.Qualifications {
							if !quals[q] {
								quals[q] = true
								list = append(list, q)
							}
						}
					}
				}
				dishonest := s%97 == 0
				reason := ""
				if dishonest {
					reason = "虚假材料"
				}
				w.Int(int64(s)).Str(code).Str(fmt.Sprintf("%s%s残疾人服务中心%d", streetName(uint8(s%40)), g.areas[g.supAreas[s-1][0]].NameZH, s)).
					Str("{" + strings.Join(list, ",") + "}").Str(fmt.Sprintf("0571-%08d", s)).Bool(s%10 == 0).Bool(dishonest).Str(reason).
					Time(g.now - int64(g.scale.Years)*365*day)
				if err := w.End(); err != nil {
					return err
				}
			}
			return nil
		}},
	{"users", []string{"id", "name", "role", "supplier_id", "created_at"},
		func(g *rmGen, w *copyWriter) error {
			t := g.now - int64(g.scale.Years)*365*day
			w.Int(1).Str("admin").Str("admin").Null().Time(t)
			if err := w.End(); err != nil {
				return err
			}
			for i := range g.scale.Officers {
				w.Int(g.officer0 + int64(i)).Str(fmt.Sprintf("officer%03d", i+1)).Str("officer").Null().Time(t)
				if err := w.End(); err != nil {
					return err
				}
			}
			for i := range g.scale.Evaluators {
				w.Int(g.eval0 + int64(i)).Str(fmt.Sprintf("evaluator%04d", i+1)).Str("evaluator").Null().Time(t)
				if err := w.End(); err != nil {
					return err
				}
			}
			for s := range g.scale.Suppliers {
				w.Int(g.supUser0 + int64(s)).Str(fmt.Sprintf("org%05d", s+1)).Str("supplier").Int(int64(s + 1)).Time(t)
				if err := w.End(); err != nil {
					return err
				}
			}
			return nil
		}},
	{"budget_lines", []string{"id", "name", "fiscal_year", "category", "amount_fen", "reserved_fen", "paid_fen", "created_at"},
		func(g *rmGen, w *copyWriter) error {
			for yi := range g.scale.Years {
				ys, _ := g.yearBounds(yi)
				for c := 0; c <= len(g.areas); c++ {
					cat, name := "general", "助残服务综合资金"
					if c < len(g.areas) {
						cat, name = g.areas[c].Code, g.areas[c].NameZH+"专项资金"
					}
					w.Int(int64(yi*(len(g.areas)+1) + c + 1)).Str(fmt.Sprintf("%d年%s", g.firstYear+yi, name)).Int(int64(g.firstYear + yi)).
						Str(cat).Int(0).Int(0).Int(0).Time(ys)
					if err := w.End(); err != nil {
						return err
					}
				}
			}
			return nil
		}},
	{"purchases", []string{"id", "workflow_id", "title", "catalog_year", "catalog_code", "area", "budget_id", "quantity", "ceiling_fen",
		"method", "status", "round", "bid_deadline", "service_start", "service_end", "price_weight", "policy", "created_by", "created_at", "updated_at"},
		func(g *rmGen, w *copyWriter) error {
			for i := range g.plans {
				p, id := &g.plans[i], int64(i+1)
				it := g.items[p.item]
				pw := int64(30)
				if p.method == 1 {
					pw = 20
				}
				w.Int(id).Str("purchase-" + strconv.FormatInt(id, 10)).Str(g.title(id, p)).Int(int64(g.firstYear + int(p.yi))).Str(it.Code).
					Str(it.Area).Int(int64(p.budget)).Int(p.quantity).Int(p.ceiling).Str(methodNames[p.method]).Str(statusNames[p.status]).
					Int(int64(p.round)).Time(p.deadline).Time(p.start).Time(p.end).Int(pw).Str("statutory").Int(int64(p.officer)).
					Time(p.created).Time(min(g.now, max(p.created, lastChange(g.now, p))))
				if err := w.End(); err != nil {
					return err
				}
			}
			return nil
		}},
	{"purchase_members", []string{"purchase_id", "user_id", "duty", "recused_at", "recusal_reason"},
		func(g *rmGen, w *copyWriter) error {
			for i := range g.plans {
				p, id := &g.plans[i], int64(i+1)
				for j := range int(p.panel) + 2 {
					duty := "panel"
					switch j {
					case int(p.panel):
						duty = "inspector"
					case int(p.panel) + 1:
						duty = "assessor"
					}
					w.Int(id).Int(int64(p.members[j])).Str(duty)
					if p.recused && j == 0 {
						w.Time(p.created + day).Str("与投标人存在利害关系")
					} else {
						w.Null().Str("")
					}
					if err := w.End(); err != nil {
						return err
					}
				}
			}
			return nil
		}},
	{"bids", []string{"id", "purchase_id", "round", "supplier_id", "price_fen", "proposal", "status", "technical_centi",
		"price_score_centi", "total_centi", "rank", "submitted_at"},
		func(g *rmGen, w *copyWriter) error {
			for i := range g.plans {
				p, id := &g.plans[i], int64(i+1)
				bid := p.bidBase
				for j := range int(p.failBids) {
					w.Int(bid).Int(id).Int(1).Int(int64(p.failBidders[j])).Int(p.ceiling * 95 / 100).Str("服务方案").Str("valid").
						Null().Null().Null().Null().Time(p.deadline1 - day)
					if err := w.End(); err != nil {
						return err
					}
					bid++
				}
				ranked := p.award != 0
				for j := range int(p.nbids) {
					w.Int(bid).Int(id).Int(int64(p.round)).Int(int64(p.bidders[j])).Int(p.prices[j]).Str("服务方案").Str("valid")
					if ranked {
						rank := int64(1)
						for k := range int(p.nbids) {
							if p.prices[k] < p.prices[j] || (p.prices[k] == p.prices[j] && k < j) {
								rank++
							}
						}
						price := int64(3000) * p.prices[p.winner] / p.prices[j]
						w.Int(7000).Int(price).Int(4900 + price).Int(rank)
					} else {
						w.Null().Null().Null().Null()
					}
					w.Time(p.deadline - int64(1+j)*day)
					if err := w.End(); err != nil {
						return err
					}
					bid++
				}
			}
			return nil
		}},
	{"bid_scores", []string{"bid_id", "evaluator_id", "technical_centi", "scored_at"},
		func(g *rmGen, w *copyWriter) error {
			// Only the panels now evaluating have scores that matter: half
			// of their members have scored every bid.
			for i := range g.plans {
				p := &g.plans[i]
				if p.status != stEvaluating || p.nbids == 0 {
					continue
				}
				for j := range int(p.panel) {
					if (p.recused && j == 0) || (int(p.members[j])+i)%2 == 0 {
						continue
					}
					for b := range int(p.nbids) {
						w.Int(p.bidBase + int64(p.failBids) + int64(b)).Int(int64(p.members[j])).Int(int64(6000 + (b*311+j*97)%3500)).
							Time(min(g.now-60, p.deadline+day))
						if err := w.End(); err != nil {
							return err
						}
					}
				}
			}
			return nil
		}},
	{"awards", []string{"id", "purchase_id", "round", "bid_id", "supplier_id", "amount_fen", "status", "notified_at", "officer_signed_at", "supplier_signed_at"},
		func(g *rmGen, w *copyWriter) error {
			for i := range g.plans {
				p, id := &g.plans[i], int64(i+1)
				if p.award == 0 {
					continue
				}
				status := []string{"", "notified", "signed", "forfeited"}[p.award]
				w.Int(p.awardID).Int(id).Int(int64(p.round)).Int(p.bidBase + int64(p.failBids) + int64(p.winner)).
					Int(int64(p.bidders[p.winner])).Int(p.prices[p.winner]).Str(status).Time(p.evalEnd)
				var officer, supplier int64
				switch signed := min(p.challengeEnd+day, g.now-60); {
				case p.award == 2:
					officer, supplier = p.signedAt, p.signedAt
				case p.award == 1 && p.status == stContracting:
					if p.officerSigned {
						officer = signed
					}
					if p.supplierSigned {
						supplier = signed
					}
				}
				w.TimeOrNull(officer).TimeOrNull(supplier)
				if err := w.End(); err != nil {
					return err
				}
			}
			return nil
		}},
	{"challenges", []string{"id", "purchase_id", "seq", "round", "supplier_id", "reason", "filed_at", "upheld", "action", "response", "answered_at"},
		func(g *rmGen, w *copyWriter) error {
			for i := range g.plans {
				p, id := &g.plans[i], int64(i+1)
				if p.challenge == 0 {
					continue
				}
				loser := (int(p.winner) + 1) % int(p.nbids)
				w.Int(p.challengeID).Int(id).Int(1).Int(int64(p.round)).Int(int64(p.bidders[loser])).Str("评分标准适用有误").Time(p.challengeFiled)
				if p.challenge == 1 {
					w.Bool(false).Null().Str("经复核，评审过程符合规定").Time(p.challengeAnswer)
				} else {
					w.Null().Null().Str("").Null()
				}
				if err := w.End(); err != nil {
					return err
				}
			}
			return nil
		}},
	{"contracts", []string{"id", "purchase_id", "supplier_id", "amount_fen", "quantity", "service_start", "service_end", "indicators",
		"status", "officer_signed_at", "supplier_signed_at", "terminated_at", "termination_reason", "created_at"},
		func(g *rmGen, w *copyWriter) error {
			for i := range g.plans {
				p, id := &g.plans[i], int64(i+1)
				if p.contractID == 0 {
					continue
				}
				status := "active"
				switch p.status {
				case stSettled:
					status = "completed"
				case stTerminated:
					status = "terminated"
				}
				w.Int(p.contractID).Int(id).Int(int64(p.bidders[p.winner])).Int(p.prices[p.winner]).Int(p.quantity).Time(p.start).Time(p.end).
					Str(string(g.indicator[p.item])).Str(status).Time(p.signedAt).Time(p.signedAt)
				if p.terminated {
					w.Time(p.termAt).Str("整改不合格，依约解除合同")
				} else {
					w.Null().Str("")
				}
				w.Time(p.signedAt)
				if err := w.End(); err != nil {
					return err
				}
			}
			return nil
		}},
	{"milestones", []string{"contract_id", "seq", "name", "due_at", "planned_quantity", "payment_percent", "planned_payment_fen", "status",
		"accepted_quantity", "beneficiaries", "accepted_at", "overdue"},
		func(g *rmGen, w *copyWriter) error {
			var ms []rmMilestone
			for i := range g.plans {
				p := &g.plans[i]
				if p.contractID == 0 {
					continue
				}
				ms = g.milestones(int64(i+1), p, ms)
				for _, m := range ms {
					w.Int(p.contractID).Int(int64(m.seq)).Str("第" + strconv.Itoa(m.seq) + "期服务").Time(m.due).Int(m.qty).Int(m.pct).Int(m.pay).Str(m.status)
					if m.status == "accepted" {
						w.Int(m.accQty).Int(m.beneficiaries).Time(m.acceptedAt)
					} else {
						w.Null().Null().Null()
					}
					w.Bool(m.overdue)
					if err := w.End(); err != nil {
						return err
					}
				}
			}
			return nil
		}},
	{"milestone_reports", []string{"contract_id", "seq", "version", "delivered_quantity", "beneficiaries", "summary", "submitted_at",
		"accepted", "accepted_quantity", "review_reason", "reviewed_at", "on_time"},
		func(g *rmGen, w *copyWriter) error {
			var ms []rmMilestone
			for i := range g.plans {
				p := &g.plans[i]
				if p.contractID == 0 {
					continue
				}
				ms = g.milestones(int64(i+1), p, ms)
				for _, m := range ms {
					if !m.reported {
						continue
					}
					w.Int(p.contractID).Int(int64(m.seq)).Int(1).Int(m.qty).Int(m.qty * 3 / 4).Str("按计划完成本期服务").Time(m.reportedAt)
					switch m.status {
					case "accepted":
						w.Bool(true).Int(m.accQty).Str("").Time(m.acceptedAt)
					case "returned":
						w.Bool(false).Null().Str("服务记录不完整").Time(min(m.reportedAt+day, g.now-60))
					default:
						w.Null().Null().Str("").Null()
					}
					w.Bool(!m.late)
					if err := w.End(); err != nil {
						return err
					}
				}
			}
			return nil
		}},
	{"inspections", []string{"contract_id", "seq", "due_at", "inspector_id", "reinspection", "passed", "findings", "surveyed", "satisfied", "recorded_at"},
		func(g *rmGen, w *copyWriter) error {
			for i := range g.plans {
				p := &g.plans[i]
				if p.contractID == 0 {
					continue
				}
				for _, in := range g.inspections(int64(i+1), p) {
					w.Int(p.contractID).Int(int64(in.seq)).Time(in.due).Int(int64(p.members[p.panel])).Bool(false)
					if in.recordedAt != 0 {
						findings := ""
						if !in.passed {
							findings = "服务记录与实际不符"
						}
						w.Bool(in.passed).Str(findings).Int(in.surveyed).Int(in.satisfied).Time(in.recordedAt)
					} else {
						w.Null().Str("").Null().Null().Null()
					}
					if err := w.End(); err != nil {
						return err
					}
				}
			}
			return nil
		}},
	{"rectifications", []string{"contract_id", "seq", "inspection_seq", "deadline", "status", "summary", "done_at", "closed_at"},
		func(g *rmGen, w *copyWriter) error {
			for i := range g.plans {
				p := &g.plans[i]
				if p.contractID == 0 {
					continue
				}
				seq := int64(0)
				for _, in := range g.inspections(int64(i+1), p) {
					if in.recordedAt == 0 || in.passed {
						continue
					}
					seq++
					deadline := in.recordedAt + 15*day
					w.Int(p.contractID).Int(seq).Int(int64(in.seq)).Time(deadline)
					switch {
					case deadline >= g.now:
						w.Str("open").Str("").Null().Null()
					case (i+int(seq))%7 == 0:
						w.Str("failed").Str("").Null().Time(deadline + day)
					default:
						w.Str("closed").Str("已按要求整改").Time(deadline - 5*day).Time(deadline - 2*day)
					}
					if err := w.End(); err != nil {
						return err
					}
				}
			}
			return nil
		}},
	{"evaluations", []string{"contract_id", "stage", "total_centi", "grade", "evaluated_at", "opened_at", "due_at", "status"},
		func(g *rmGen, w *copyWriter) error {
			for i := range g.plans {
				p := &g.plans[i]
				if p.contractID == 0 || p.terminated {
					continue
				}
				for _, e := range g.evaluations(int64(i+1), p) {
					w.Int(p.contractID).Str(e.stage)
					if e.done {
						w.Int(e.total).Str(grade(e.total)).Time(e.evaluated)
					} else {
						w.Null().Null().Null()
					}
					w.Time(e.opened).Time(e.opened + 15*day).Str(map[bool]string{true: "done", false: "open"}[e.done])
					if err := w.End(); err != nil {
						return err
					}
				}
			}
			return nil
		}},
	{"indicator_scores", []string{"contract_id", "stage", "indicator_code", "scorer", "score_centi"},
		func(g *rmGen, w *copyWriter) error {
			// Open evaluations only: what an assessor's inbox reads.
			for i := range g.plans {
				p := &g.plans[i]
				if p.contractID == 0 || p.terminated {
					continue
				}
				for _, e := range g.evaluations(int64(i+1), p) {
					if e.done {
						continue
					}
					assessed := (i+len(e.stage))%5 < 2
					for _, ind := range g.items[p.item].Indicators {
						scorer := "measured"
						if ind.Method == catalog.MethodScored {
							if !assessed {
								continue
							}
							scorer = strconv.FormatInt(int64(p.members[p.panel+1]), 10)
						}
						w.Int(p.contractID).Str(e.stage).Str(ind.Code).Str(scorer).Int(int64(ind.Weight) * 85)
						if err := w.End(); err != nil {
							return err
						}
					}
				}
			}
			return nil
		}},
	{"payments", []string{"id", "contract_id", "op_key", "kind", "amount_fen", "paid_at", "milestone_seq"},
		func(g *rmGen, w *copyWriter) error {
			var ms []rmMilestone
			var n int64
			for i := range g.plans {
				p := &g.plans[i]
				if p.contractID == 0 {
					continue
				}
				ms = g.milestones(int64(i+1), p, ms)
				for _, m := range ms {
					if m.status != "accepted" || m.pay <= 0 {
						continue
					}
					n++
					w.Int(n).Int(p.contractID).Str(fmt.Sprintf("purchase-%d/payment/%d", i+1, m.seq)).Str("milestone").Int(m.pay).Time(m.paidAt).Int(int64(m.seq))
					if err := w.End(); err != nil {
						return err
					}
				}
			}
			return nil
		}},
	{"budget_movements", []string{"id", "budget_id", "purchase_id", "kind", "amount_fen", "op_key", "at"},
		func(g *rmGen, w *copyWriter) error {
			var ms []rmMilestone
			var n int64
			reserved := make([]int64, g.scale.Years*(len(g.areas)+1)+1)
			paid := make([]int64, len(reserved))
			move := func(p *rmPlan, id int64, kind, key string, amount, at int64) error {
				if amount <= 0 {
					return nil
				}
				n++
				switch kind {
				case "reserve":
					reserved[p.budget] += amount
				case "release":
					reserved[p.budget] -= amount
				case "pay":
					reserved[p.budget] -= amount
					paid[p.budget] += amount
				}
				w.Int(n).Int(int64(p.budget)).Int(id).Str(kind).Int(amount).Str(fmt.Sprintf("purchase-%d/%s", id, key)).Time(at)
				return w.End()
			}
			for i := range g.plans {
				p, id := &g.plans[i], int64(i+1)
				if err := move(p, id, "reserve", "planned", p.ceiling, p.created); err != nil {
					return err
				}
				if p.status == stCancelled {
					if err := move(p, id, "release", "cancelled", p.ceiling, p.cancelAt); err != nil {
						return err
					}
					continue
				}
				if p.contractID == 0 {
					continue
				}
				amount := p.prices[p.winner]
				if err := move(p, id, "release", "contract", p.ceiling-amount, p.signedAt); err != nil {
					return err
				}
				var sum int64
				for _, m := range g.milestones(id, p, ms) {
					if m.status == "accepted" && m.pay > 0 {
						sum += m.pay
						if err := move(p, id, "pay", fmt.Sprintf("payment/%d", m.seq), m.pay, m.paidAt); err != nil {
							return err
						}
					}
				}
				switch p.status {
				case stTerminated:
					if err := move(p, id, "release", "terminated", amount-sum, p.termAt); err != nil {
						return err
					}
				case stSettled:
					if err := move(p, id, "release", "settled", amount-sum, p.assessEnd); err != nil {
						return err
					}
				}
			}
			g.budgetMu.Lock()
			g.budgetReserved, g.budgetPaid = reserved, paid
			g.budgetMu.Unlock()
			return nil
		}},
	{"audit_log", []string{"id", "event_key", "purchase_id", "workflow_id", "actor", "action", "detail", "at", "hash"},
		func(g *rmGen, w *copyWriter) error {
			// Only the entries the measured queries read: tender rounds
			// opened and failed, and the evaluations now under way. The
			// hashes are placeholders (zhucan audit verify would refuse
			// this trail).
			var n int64
			add := func(id int64, action string, round int, at int64) error {
				n++
				wf := "purchase-" + strconv.FormatInt(id, 10)
				w.Int(n).Str(fmt.Sprintf("%s/%s/%d", wf, action, round)).Int(id).Str(wf).Str("system").Str(action).
					Str(fmt.Sprintf(`{"round": %d}`, round)).Time(at).Bytea(hash32(n, 1))
				return w.End()
			}
			for i := range g.plans {
				p, id := &g.plans[i], int64(i+1)
				if p.failed1 && g.now >= p.deadline1 {
					if err := add(id, "bids.opened", 1, p.deadline1); err != nil {
						return err
					}
					if g.now >= p.failAt {
						if err := add(id, "purchase.failed", 1, p.failAt); err != nil {
							return err
						}
					}
				}
				if p.nbids > 0 {
					if err := add(id, "bids.opened", int(p.round), p.deadline); err != nil {
						return err
					}
				}
				if p.status == stEvaluating && p.nbids > 0 {
					if err := add(id, "purchase.evaluating", int(p.round), p.deadline+60); err != nil {
						return err
					}
					if i%5 == 0 && g.now > p.deadline+2*day {
						if err := add(id, "evaluation.overdue", int(p.round), p.deadline+2*day); err != nil {
							return err
						}
					}
				}
			}
			return nil
		}},
}

// lastChange is when a purchase's row last changed.
func lastChange(now int64, p *rmPlan) int64 {
	switch p.status {
	case stTendering:
		return p.created
	case stEvaluating:
		return p.deadline
	case stChallenge:
		return p.evalEnd
	case stContracting:
		return p.challengeEnd
	case stDelivering:
		return p.signedAt
	case stAssessing:
		return p.end
	case stSettled:
		return p.assessEnd
	case stFailed:
		return p.failAt
	case stCancelled:
		return p.cancelAt
	case stTerminated:
		return p.termAt
	}
	return now
}

// rmEvaluation is a performance evaluation as of now.
type rmEvaluation struct {
	stage             string
	opened, evaluated int64
	done              bool
	total             int64
}

func (g *rmGen) evaluations(id int64, p *rmPlan) []rmEvaluation {
	rng := rand.New(rand.NewPCG(rmSeed+3, uint64(id)))
	var out []rmEvaluation
	if mid := p.start + (p.end-p.start)/2; p.midterm && g.now >= mid {
		e := rmEvaluation{stage: "midterm", opened: mid, evaluated: mid + 10*day}
		e.done = g.now >= e.evaluated
		e.total = between(rng, 5500, 9900)
		out = append(out, e)
	}
	if g.now >= p.end+day {
		e := rmEvaluation{stage: "final", opened: p.end + day, evaluated: p.assessEnd - day}
		e.done = p.status == stSettled
		e.total = between(rng, 5500, 9900)
		out = append(out, e)
	}
	return out
}

func grade(centi int64) string {
	switch {
	case centi >= 9000:
		return "excellent"
	case centi >= 8000:
		return "good"
	case centi >= 6000:
		return "pass"
	}
	return "fail"
}

// rmLoadStats says how long each phase of a load took and what it wrote.
type rmLoadStats struct {
	Generate, Copy, Restore, ReadModel, Analyze, Total time.Duration
	Rows                                               map[string]int64
}

// schemaObject is a key, index or foreign key set aside during a bulk load.
type schemaObject struct {
	table, name, def, kind string
}

func (o schemaObject) create() string {
	if o.kind == "index" {
		return o.def
	}
	return fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s %s", o.table, pq.QuoteIdentifier(o.name), o.def)
}

func (o schemaObject) drop() string {
	if o.kind == "index" {
		return "DROP INDEX " + pq.QuoteIdentifier(o.name)
	}
	return fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT %s", o.table, pq.QuoteIdentifier(o.name))
}

// setAside drops the keys, indexes and foreign keys of tables (and the
// foreign keys that point at them) and returns them for restoreAll: a
// bulk load followed by index builds and one validation per foreign key
// is several times faster than maintaining them row by row.
func setAside(ctx context.Context, db *store.DB, tables []string) ([]schemaObject, error) {
	var objs []schemaObject
	rows, err := db.X.QueryContext(ctx, `
		SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), CASE contype WHEN 'f' THEN 'fk' ELSE 'key' END
		  FROM pg_constraint
		 WHERE contype IN ('p', 'u', 'f') AND (conrelid = ANY($1::regclass[]) OR confrelid = ANY($1::regclass[]))
		UNION ALL
		SELECT i.indrelid::regclass::text, c.relname, pg_get_indexdef(i.indexrelid), 'index'
		  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		 WHERE i.indrelid = ANY($1::regclass[])
		   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))`,
		pq.Array(tables))
	if err != nil {
		return nil, fmt.Errorf("read keys and indexes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var o schemaObject
		if err := rows.Scan(&o.table, &o.name, &o.def, &o.kind); err != nil {
			return nil, fmt.Errorf("read keys and indexes: %w", err)
		}
		objs = append(objs, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read keys and indexes: %w", err)
	}
	for _, kind := range []string{"fk", "key", "index"} {
		for _, o := range objs {
			if o.kind != kind {
				continue
			}
			if _, err := db.X.ExecContext(ctx, o.drop()); err != nil {
				return nil, fmt.Errorf("set aside %s: %w", o.name, err)
			}
		}
	}
	return objs, nil
}

// restoreAll rebuilds what setAside dropped: keys first, then indexes
// and foreign keys (each validated in one pass), on rmLoaders connections.
func restoreAll(ctx context.Context, db *store.DB, objs []schemaObject) error {
	var keys, rest []string
	for _, o := range objs {
		if o.kind == "key" {
			keys = append(keys, o.create())
		} else {
			rest = append(rest, o.create())
		}
	}
	setup := []string{`SET maintenance_work_mem = '1GB'`, `SET work_mem = '256MB'`}
	if err := inParallel(ctx, db, rmLoaders, setup, keys); err != nil {
		return err
	}
	return inParallel(ctx, db, rmLoaders, setup, rest)
}

// inParallel runs statements on n connections of their own.
func inParallel(ctx context.Context, db *store.DB, n int, setup, stmts []string) error {
	work := make(chan string)
	errs := make(chan error, n)
	for range n {
		go func() {
			errs <- func() error {
				conn, err := db.X.Conn(ctx)
				if err != nil {
					return fmt.Errorf("connect: %w", err)
				}
				defer release(ctx, conn)
				for _, s := range setup {
					if _, err := conn.ExecContext(ctx, s); err != nil {
						return fmt.Errorf("%s: %w", s, err)
					}
				}
				var first error
				for s := range work {
					if first != nil {
						continue
					}
					if _, err := conn.ExecContext(ctx, s); err != nil {
						first = fmt.Errorf("%s: %w", s, err)
					}
				}
				return first
			}()
		}()
	}
	for _, s := range stmts {
		work <- s
	}
	close(work)
	var err error
	for range n {
		err = errors.Join(err, <-errs)
	}
	return err
}

// rmLoaders is how many COPY streams and index builds run at once: one
// more than the cores of the machine the figures come from, so that one
// waits on the disk or on the generator while the others compute.
const rmLoaders = 3

// rmBulkOrder lists the tables slowest first, so that the loaders finish
// together: contracts carry their indicators (a JSON document each).
var rmBulkOrder = []string{"contracts", "budget_movements", "milestones", "purchase_members", "milestone_reports", "payments", "bids", "inspections",
	"audit_log", "purchases", "awards", "evaluations", "rectifications", "indicator_scores", "bid_scores", "challenges",
	"suppliers", "users", "budget_lines"}

// loadReadModel writes g's world into db, which holds the migrated, empty
// schema. With bulk, keys, indexes, foreign keys and triggers are set
// aside during COPY and rebuilt after it, and the figures read model is
// rebuilt in one pass; without it, rows go through every constraint and
// trigger as the application's writes do.
func loadReadModel(ctx context.Context, db *store.DB, g *rmGen, bulk bool, logf func(string, ...any)) (rmLoadStats, error) {
	st := rmLoadStats{Rows: map[string]int64{}}
	start := time.Now()
	cats, err := catalog.Defaults()
	if err != nil {
		return st, fmt.Errorf("read the default catalogue: %w", err)
	}
	for yi := range g.scale.Years {
		c := cats[len(cats)-1]
		c.Year = g.firstYear + yi
		items := make([]catalog.Item, len(c.Items))
		for i, it := range c.Items {
			it.Year = c.Year
			items[i] = it
		}
		c.Items = items
		if _, err := db.LoadCatalogue(ctx, c); err != nil {
			return st, fmt.Errorf("load the %d catalogue: %w", c.Year, err)
		}
	}
	byName := map[string]rmTable{}
	var names []string
	for _, t := range rmTables {
		byName[t.name] = t
		names = append(names, t.name)
	}
	var aside []schemaObject
	if bulk {
		if aside, err = setAside(ctx, db, names); err != nil {
			return st, err
		}
		for _, t := range names {
			if _, err := db.X.ExecContext(ctx, "ALTER TABLE "+pq.QuoteIdentifier(t)+" DISABLE TRIGGER USER"); err != nil {
				return st, fmt.Errorf("disable triggers of %s: %w", t, err)
			}
		}
	}
	copyStart := time.Now()
	var mu sync.Mutex
	copyOne := func(name string) error {
		t0 := time.Now()
		t := byName[name]
		n, err := copyTable(ctx, db, t.name, t.columns, bulk, func(w *copyWriter) error { return t.fill(g, w) })
		if err != nil {
			return err
		}
		mu.Lock()
		st.Rows[name] = n
		mu.Unlock()
		logf("copied %9d rows into %s in %s", n, name, time.Since(t0).Round(time.Millisecond))
		return nil
	}
	if bulk {
		work := make(chan string, len(rmBulkOrder))
		for _, n := range rmBulkOrder {
			work <- n
		}
		close(work)
		errs := make(chan error, rmLoaders)
		for range rmLoaders {
			go func() {
				var err error
				for n := range work {
					if err == nil {
						err = copyOne(n)
					}
				}
				errs <- err
			}()
		}
		var err error
		for range rmLoaders {
			err = errors.Join(err, <-errs)
		}
		if err != nil {
			return st, err
		}
	} else {
		for _, n := range names {
			if err := copyOne(n); err != nil {
				return st, err
			}
		}
	}
	st.Copy = time.Since(copyStart)
	if bulk {
		t0 := time.Now()
		if err := restoreAll(ctx, db, aside); err != nil {
			return st, fmt.Errorf("restore keys and indexes: %w", err)
		}
		for _, t := range names {
			if _, err := db.X.ExecContext(ctx, "ALTER TABLE "+pq.QuoteIdentifier(t)+" ENABLE TRIGGER USER"); err != nil {
				return st, fmt.Errorf("enable triggers of %s: %w", t, err)
			}
		}
		st.Restore = time.Since(t0)
		logf("rebuilt %d keys, indexes and foreign keys in %s", len(aside), st.Restore.Round(time.Millisecond))
	}
	// Budget lines: what the ledger reserved and paid, and an
	// appropriation a quarter above it.
	err = db.InTx(ctx, func(tx *sqlx.Tx) error {
		for i := 1; i < len(g.budgetReserved); i++ {
			r, p := g.budgetReserved[i], g.budgetPaid[i]
			if _, err := tx.ExecContext(ctx, `UPDATE budget_lines SET amount_fen = $2, reserved_fen = $3, paid_fen = $4 WHERE id = $1`,
				i, (r+p)*5/4+100_000_000, r, p); err != nil {
				return fmt.Errorf("update budget line %d: %w", i, err)
			}
		}
		for _, t := range []string{"suppliers", "users", "budget_lines", "purchases", "bids", "awards", "challenges", "contracts", "payments",
			"budget_movements", "audit_log"} {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), coalesce(max(id), 0) + 1, false) FROM %s`, t, t)); err != nil {
				return fmt.Errorf("advance the sequence of %s: %w", t, err)
			}
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	if bulk {
		t0 := time.Now()
		var has bool
		if err := db.X.GetContext(ctx, &has, `SELECT to_regproc('purchase_figures_rebuild') IS NOT NULL`); err != nil {
			return st, fmt.Errorf("look for the figures read model: %w", err)
		}
		if has {
			if _, err := db.X.ExecContext(ctx, `SELECT purchase_figures_rebuild()`); err != nil {
				return st, fmt.Errorf("rebuild the figures read model: %w", err)
			}
		}
		st.ReadModel = time.Since(t0)
		logf("rebuilt the figures read model in %s", st.ReadModel.Round(time.Millisecond))
	}
	t0 := time.Now()
	var all []string
	if err := db.X.SelectContext(ctx, &all, `SELECT quote_ident(relname) FROM pg_stat_user_tables ORDER BY n_live_tup DESC`); err != nil {
		return st, fmt.Errorf("list tables: %w", err)
	}
	var vacuums []string
	for _, t := range all {
		vacuums = append(vacuums, "VACUUM (ANALYZE) "+t)
	}
	if err := inParallel(ctx, db, 2, nil, vacuums); err != nil {
		return st, fmt.Errorf("vacuum and analyze: %w", err)
	}
	st.Analyze = time.Since(t0)
	logf("VACUUM (ANALYZE) in %s", st.Analyze.Round(time.Millisecond))
	st.Total = time.Since(start)
	return st, nil
}
