// Package export owns the spreadsheets officers and auditors download:
// purchases, contracts, milestones, payments, inspections and evaluations
// as CSV or XLSX, with Chinese headers (English on request), money in fen
// and in yuan as exact text, times in Beijing time. Rows are streamed
// from the database to the writer, so a large export uses bounded memory.
package export

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"zhucan/rules"
	"zhucan/store"
)

// Column is one exported column.
type Column struct {
	// ZH is the Chinese header.
	ZH string
	// EN is the English header.
	EN string
	// Kind says how to render it: text, int, fen, time, bool, enum, centi.
	Kind string
}

func c(zh, en, kind string) Column { return Column{ZH: zh, EN: en, Kind: kind} }

// Columns are each table's columns, in the order the store selects them.
var Columns = map[string][]Column{
	"purchases": {c("采购编号", "Purchase", "int"), c("项目名称", "Title", "text"), c("服务领域", "Area", "enum"), c("目录编码", "Catalogue code", "text"),
		c("服务项目", "Service", "text"), c("采购方式", "Method", "enum"), c("状态", "Status", "enum"), c("轮次", "Round", "int"),
		c("数量", "Quantity", "int"), c("单位", "Unit", "text"), c("最高限价", "Ceiling", "fen"), c("投标截止", "Bid deadline", "time"),
		c("服务开始", "Service start", "time"), c("服务结束", "Service end", "time"), c("预算科目", "Budget line", "int"), c("创建时间", "Created", "time")},
	"contracts": {c("采购编号", "Purchase", "int"), c("项目名称", "Title", "text"), c("合同编号", "Contract", "int"), c("承接机构", "Organisation", "text"),
		c("统一社会信用代码", "Credit code", "text"), c("合同金额", "Amount", "fen"), c("数量", "Quantity", "int"), c("服务开始", "Service start", "time"),
		c("服务结束", "Service end", "time"), c("合同状态", "Status", "enum"), c("采购人签订", "Signed by purchaser", "time"), c("机构签订", "Signed by organisation", "time")},
	"milestones": {c("采购编号", "Purchase", "int"), c("项目名称", "Title", "text"), c("节点", "Milestone", "int"), c("节点名称", "Name", "text"),
		c("到期", "Due", "time"), c("计划数量", "Planned quantity", "int"), c("付款比例%", "Payment %", "int"), c("计划付款", "Planned payment", "fen"),
		c("状态", "Status", "enum"), c("验收数量", "Accepted quantity", "int"), c("服务人数", "Beneficiaries", "int"), c("验收时间", "Accepted", "time"), c("逾期", "Overdue", "bool")},
	"payments": {c("采购编号", "Purchase", "int"), c("项目名称", "Title", "text"), c("合同编号", "Contract", "int"), c("收款机构", "Payee", "text"),
		c("类别", "Kind", "enum"), c("节点", "Milestone", "int"), c("金额", "Amount", "fen"), c("支付时间", "Paid", "time")},
	"inspections": {c("采购编号", "Purchase", "int"), c("项目名称", "Title", "text"), c("检查", "Inspection", "int"), c("到期", "Due", "time"),
		c("复查", "Re-inspection", "bool"), c("合格", "Passed", "bool"), c("发现问题", "Findings", "text"), c("受访人数", "Surveyed", "int"),
		c("满意人数", "Satisfied", "int"), c("记录时间", "Recorded", "time")},
	"evaluations": {c("采购编号", "Purchase", "int"), c("项目名称", "Title", "text"), c("阶段", "Stage", "enum"), c("状态", "Status", "enum"),
		c("总分", "Total", "centi"), c("等级", "Grade", "enum"), c("评价时间", "Evaluated", "time")},
}

// labels translate codes to words.
var labels = map[string][2]string{
	"open_tender": {"公开招标", "open tender"}, "competitive_consultation": {"竞争性磋商", "competitive consultation"}, "single_source": {"单一来源", "single source"},
	"tendering": {"招标中", "tendering"}, "evaluating": {"评审中", "evaluating"}, "challenge_period": {"质疑期", "challenge period"},
	"contracting": {"签约中", "contracting"}, "delivering": {"履约中", "delivering"}, "assessing": {"绩效评价中", "assessing"},
	"settled": {"已结算", "settled"}, "failed": {"流标", "failed"}, "cancelled": {"已取消", "cancelled"}, "terminated": {"已解除", "terminated"},
	"active": {"履行中", "active"}, "completed": {"已完成", "completed"}, "pending": {"待交付", "pending"}, "reported": {"待验收", "reported"},
	"returned": {"已退回", "returned"}, "accepted": {"已验收", "accepted"}, "milestone": {"节点付款", "milestone payment"},
	"retention": {"质保金", "retention"}, "midterm": {"中期", "mid-term"}, "final": {"期末", "final"}, "open": {"进行中", "open"}, "done": {"已完成", "done"},
	"excellent": {"优秀", "excellent"}, "good": {"良好", "good"}, "pass": {"合格", "pass"}, "fail": {"不合格", "fail"},
	"rehabilitation": {"康复护理", "rehabilitation care"}, "care": {"托养照料", "residential and day care"}, "daily_living": {"生活服务", "daily-living services"},
	"poverty_relief": {"扶贫解困", "poverty relief"}, "vocational_training": {"职业培训", "vocational training"}, "employment": {"就业创业服务", "employment services"},
	"social_work": {"专业社会工作服务", "professional social work"}, "accessibility": {"家居无障碍环境改造", "home accessibility renovation"},
}

// Sheet receives rows.
type Sheet interface {
	// Row writes one row.
	Row(cells []any) error
	// Close finishes the file.
	Close() error
}

type csvSheet struct {
	w *csv.Writer
	n int
}

func (s *csvSheet) Row(cells []any) error {
	rec := make([]string, len(cells))
	for i, v := range cells {
		rec[i] = fmt.Sprint(v)
	}
	s.n++
	if err := s.w.Write(rec); err != nil {
		return fmt.Errorf("write CSV row: %w", err)
	}
	if s.n%1000 == 0 {
		s.w.Flush()
	}
	return s.w.Error()
}

func (s *csvSheet) Close() error {
	s.w.Flush()
	return s.w.Error()
}

// NewCSV writes CSV to w, with a UTF-8 byte-order mark so that
// spreadsheet programs read the Chinese correctly.
func NewCSV(w io.Writer) (Sheet, error) {
	if _, err := w.Write([]byte("\xEF\xBB\xBF")); err != nil {
		return nil, fmt.Errorf("write CSV: %w", err)
	}
	return &csvSheet{w: csv.NewWriter(w)}, nil
}

type xlsxSheet struct {
	f   *excelize.File
	sw  *excelize.StreamWriter
	row int
	out io.Writer
}

// NewXLSX writes an XLSX workbook with one sheet to w. Rows go through
// excelize's stream writer, which spills to a temporary file past 16 MiB,
// and the workbook is zipped straight into w (SetZipWriter) instead of
// being assembled in memory first, so memory stays bounded. (excelize's
// zip64 header fix-up, needed only for parts over 4 GiB, is skipped: a
// sheet holds at most 1,048,576 rows.)
func NewXLSX(w io.Writer, sheet string) (Sheet, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, fmt.Errorf("name sheet: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, fmt.Errorf("open sheet stream: %w", err)
	}
	return &xlsxSheet{f: f, sw: sw, out: w}, nil
}

func (s *xlsxSheet) Row(cells []any) error {
	s.row++
	cell, err := excelize.CoordinatesToCellName(1, s.row)
	if err != nil {
		return fmt.Errorf("cell name: %w", err)
	}
	if err := s.sw.SetRow(cell, cells); err != nil {
		return fmt.Errorf("write XLSX row %d: %w", s.row, err)
	}
	return nil
}

func (s *xlsxSheet) Close() error {
	defer s.f.Close()
	if err := s.sw.Flush(); err != nil {
		return fmt.Errorf("finish sheet: %w", err)
	}
	s.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(s.out) })
	if err := s.f.Write(io.Discard); err != nil {
		return fmt.Errorf("write XLSX: %w", err)
	}
	return nil
}

// Headers returns a table's header row; money columns get a fen and a yuan column.
func Headers(kind string, english bool) []any {
	var out []any
	for _, col := range Columns[kind] {
		h := col.ZH
		if english {
			h = col.EN
		}
		if col.Kind == "fen" {
			if english {
				out = append(out, h+" (fen)", h+" (yuan)")
			} else {
				out = append(out, h+"（分）", h+"（元）")
			}
			continue
		}
		if col.Kind == "time" {
			if english {
				h += " (Beijing time)"
			} else {
				h += "（北京时间）"
			}
		}
		out = append(out, h)
	}
	return out
}

// render turns a database row into cells.
func render(kind string, row []any, english bool, cells []any) []any {
	cells = cells[:0]
	for i, col := range Columns[kind] {
		v := row[i]
		switch col.Kind {
		case "fen":
			n := toInt(v)
			if v == nil {
				cells = append(cells, "", "")
				continue
			}
			cells = append(cells, n, yuan(n))
			continue
		case "time":
			if t, ok := v.(time.Time); ok {
				cells = append(cells, t.In(rules.Shanghai).Format("2006-01-02 15:04"))
				continue
			}
		case "bool":
			if b, ok := v.(bool); ok {
				cells = append(cells, yes(b, english))
				continue
			}
		case "enum":
			if s := str(v); s != "" {
				if l, ok := labels[s]; ok {
					if english {
						cells = append(cells, l[1])
					} else {
						cells = append(cells, l[0])
					}
					continue
				}
			}
		case "centi":
			if v != nil {
				cells = append(cells, rules.Points(toInt(v)).String())
				continue
			}
		case "int":
			if v != nil {
				cells = append(cells, toInt(v))
				continue
			}
		}
		if v == nil {
			cells = append(cells, "")
		} else {
			cells = append(cells, str(v))
		}
	}
	return cells
}

func str(v any) string {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case string:
		return x
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case []byte:
		n, _ := strconv.ParseInt(string(x), 10, 64)
		return n
	}
	return 0
}

func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

func yes(b, english bool) string {
	switch {
	case b && english:
		return "yes"
	case english:
		return "no"
	case b:
		return "是"
	}
	return "否"
}

// Write streams one table for the filter into sheet, header first.
func Write(ctx context.Context, db *store.DB, kind string, f store.PurchaseFilter, english bool, sheet Sheet) error {
	if _, ok := Columns[kind]; !ok {
		return fmt.Errorf("export %q: %w", kind, store.ErrNotFound)
	}
	if err := sheet.Row(Headers(kind, english)); err != nil {
		return err
	}
	cells := make([]any, 0, len(Columns[kind])+4)
	if err := db.ExportRows(ctx, kind, f, func(row []any) error {
		cells = render(kind, row, english, cells)
		return sheet.Row(cells)
	}); err != nil {
		return err
	}
	return sheet.Close()
}
