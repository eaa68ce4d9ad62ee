package ui

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"citdesk"
	"citdesk/outcomes"
	"citdesk/web"
)

// The monthly report for the city council: every measure for one month
// beside the month before, as a printable page and as a PDF.

// monthlyRow is one line of the monthly report.
type monthlyRow struct {
	Label, This, Previous, Change string
	CIT, NonCIT                   string // the split, "" when it means nothing
}

// monthlySection is one promise of the monthly report.
type monthlySection struct {
	ID, Title, Promise string
	Rows               []monthlyRow
}

type monthlyView struct {
	AgencyName     string
	Month          string // YYYY-MM
	MonthWords     string // "March 2026"
	PrevWords      string
	Generated      string
	Sections       []monthlySection
	Reasons        []reasonView
	Encounters     string // with thousands separators
	Error          string
	PDFHref        string
	DashboardHref  string
	PrevMonthHref  string
	NextMonthHref  string
	PrevMonthLabel string
	NextMonthLabel string
}

// reportMonth reads month=YYYY-MM; blank is the last whole month.
func (s *dashboardPages) reportMonth(r *http.Request, loc *time.Location) (citdesk.Date, error) {
	m := strings.TrimSpace(r.URL.Query().Get("month"))
	if m == "" {
		t := s.Now().In(loc)
		return citdesk.NewDate(t.Year(), t.Month(), 1).AddDate(0, -1, 0), nil
	}
	if !web.MonthPattern.MatchString(m) {
		return citdesk.Date{}, citdesk.FieldErrorf("month", "The month must be written YYYY-MM.")
	}
	first, err := citdesk.ParseDate(m + "-01")
	if err != nil {
		return citdesk.Date{}, citdesk.FieldErrorf("month", "The month must be written YYYY-MM, from 1900 on.")
	}
	return first, nil
}

// monthlyReport builds the monthly report for the month of first.
func (s *dashboardPages) monthlyReport(r *http.Request) (*monthlyView, error) {
	agency, err := s.AgencyOf(r.Context())
	if err != nil {
		return nil, err
	}
	first, err := s.reportMonth(r, agency.Location())
	if err != nil {
		return nil, err
	}
	last := first.AddDate(0, 1, -1)
	prevFirst := first.AddDate(0, -1, 0)
	cur, err := s.Svc.Outcomes.Report(r.Context(), first, last)
	if err != nil {
		return nil, err
	}
	prev, err := s.Svc.Outcomes.Report(r.Context(), prevFirst, first.AddDate(0, 0, -1))
	if err != nil {
		return nil, err
	}
	month := first.String()[:7]
	next := first.AddDate(0, 1, 0)
	v := &monthlyView{AgencyName: agency.Name, Month: month,
		MonthWords: first.Time(time.UTC).Format("January 2006"), PrevWords: prevFirst.Time(time.UTC).Format("January 2006"),
		Generated: s.Now().In(agency.Location()).Format("January 2, 2006 15:04 MST"), Reasons: reasonViews(cur.NoCITReasons),
		Encounters: thousands(cur.Measures["encounters"].Count), PDFHref: "/outcomes/monthly.pdf?month=" + month,
		DashboardHref: "/outcomes?from=" + first.String() + "&to=" + last.String(),
		PrevMonthHref: "/outcomes/monthly?month=" + prevFirst.String()[:7], PrevMonthLabel: prevFirst.Time(time.UTC).Format("January 2006"),
		NextMonthHref: "/outcomes/monthly?month=" + next.String()[:7], NextMonthLabel: next.Time(time.UTC).Format("January 2006")}
	if bm := cur.Measures["encounters"].ByMonth; len(bm) == 1 && bm[0].Partial {
		v.MonthWords += " (so far)" // the month is not over: its figures are partial
	}
	for _, sec := range outcomeSections {
		ms := monthlySection{ID: sec.ID, Title: sec.Title, Promise: sec.Promise}
		for _, id := range sec.Durations {
			c, p := cur.Durations[id], prev.Durations[id]
			text := func(st outcomes.DurationStats) string {
				if st.Count == 0 {
					return "none recorded"
				}
				return fmt.Sprintf("median %s, 90th percentile %s (%s)", minutesText(st.MedianSeconds), minutesText(st.P90Seconds), thousands(st.Count))
			}
			row := monthlyRow{Label: c.Label, This: text(c.DurationStats), Previous: text(p.DurationStats), Change: "–"}
			if c.MedianSeconds.Defined() && p.MedianSeconds.Defined() {
				row.Change = fmt.Sprintf("%+.1f min (median)", (float64(c.MedianSeconds)-float64(p.MedianSeconds))/60)
			}
			if c.CIT != nil {
				row.CIT, row.NonCIT = text(*c.CIT), text(*c.NonCIT)
			}
			ms.Rows = append(ms.Rows, row)
		}
		for _, id := range sec.Measures {
			c, p := cur.Measures[id], prev.Measures[id]
			row := monthlyRow{Label: c.Label, This: cellText(c.Cell, c.Unit), Previous: cellText(p.Cell, p.Unit), Change: changeText(c.Cell, p.Cell, c.Unit)}
			if c.CIT != nil && c.SplitMeaningful {
				row.CIT, row.NonCIT = cellText(*c.CIT, c.Unit), cellText(*c.NonCIT, c.Unit)
			}
			ms.Rows = append(ms.Rows, row)
		}
		for _, id := range sec.Means {
			c, p := cur.Means[id], prev.Means[id]
			text := func(st outcomes.MeanStats) string {
				if st.Count == 0 {
					return "no answers"
				}
				return fmt.Sprintf("%.1f of 5 (%s answers)", float64(st.Mean), thousands(st.Count))
			}
			row := monthlyRow{Label: c.Label, This: text(c.MeanStats), Previous: text(p.MeanStats), Change: "–"}
			if c.Count > 0 && p.Count > 0 {
				row.Change = fmt.Sprintf("%+.1f", float64(c.Mean)-float64(p.Mean))
			}
			ms.Rows = append(ms.Rows, row)
		}
		v.Sections = append(v.Sections, ms)
	}
	return v, nil
}

// monthlyReportPage shows the monthly report, made for printing.
func (s *dashboardPages) monthlyReportPage(w http.ResponseWriter, r *http.Request) error {
	if err := requireOutcomeRole(web.SignedIn(r)); err != nil {
		return err
	}
	v, err := s.monthlyReport(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "report_monthly", "Monthly report, "+v.MonthWords, v)
	return nil
}

// monthlyReportPDF writes the monthly report as a PDF (US Letter), with
// fpdf's core Helvetica: text is translated to its code page (cp1252), which
// holds every character the report uses.
func (s *dashboardPages) monthlyReportPDF(w http.ResponseWriter, r *http.Request) error {
	if err := requireOutcomeRole(web.SignedIn(r)); err != nil {
		return err
	}
	v, err := s.monthlyReport(r)
	if err != nil {
		return err
	}
	pdf := fpdf.New("P", "mm", "Letter", "")
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.SetTitle(tr("CIT monthly report, "+v.MonthWords+" - "+v.AgencyName), false)
	pdf.SetAuthor(tr(v.AgencyName), false)
	pdf.SetCreationDate(s.Now())
	pdf.SetModificationDate(s.Now())
	pdf.SetMargins(12, 12, 12)
	pdf.SetAutoPageBreak(true, 14)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-11)
		pdf.SetFont("Helvetica", "", 7)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 5, tr(fmt.Sprintf("%s · CIT monthly report, %s · generated %s · page %d", v.AgencyName, v.MonthWords, v.Generated, pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetTextColor(0, 0, 0)
	pdf.SetFont("Helvetica", "B", 15)
	pdf.CellFormat(0, 8, tr("Crisis Intervention Team: monthly report"), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	pdf.CellFormat(0, 6, tr(v.AgencyName+" · "+v.MonthWords+" (compared with "+v.PrevWords+")"), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 8)
	pdf.MultiCell(0, 4, tr("Each figure is a count out of those for which it was recorded, with its 95% confidence interval (Wilson). "+
		"Where the intervals of two figures overlap, the data cannot show that they differ."), "", "L", false)
	pdf.Ln(2)

	widths := []float64{52, 52, 52, 36}
	header := []string{"Measure", v.MonthWords, v.PrevWords, "Change"}
	line := func(cells []string, bold bool, fill bool) {
		style := ""
		if bold {
			style = "B"
		}
		pdf.SetFont("Helvetica", style, 7.5)
		// Each column wraps; the row is as tall as its tallest cell.
		lines := 1
		for i, c := range cells {
			lines = max(lines, len(pdf.SplitLines([]byte(tr(c)), widths[i]-2)))
		}
		h := float64(lines) * 3.6
		_, pageH := pdf.GetPageSize()
		if pdf.GetY()+h > pageH-16 {
			pdf.AddPage()
		}
		x, y := pdf.GetX(), pdf.GetY()
		if fill {
			pdf.SetFillColor(236, 240, 245)
			pdf.Rect(x, y, widths[0]+widths[1]+widths[2]+widths[3], h, "F")
		}
		for i, c := range cells {
			pdf.SetXY(x, y)
			pdf.MultiCell(widths[i], 3.6, tr(c), "", "L", false)
			x += widths[i]
		}
		pdf.SetXY(12, y+h)
		pdf.Line(12, y+h, 12+widths[0]+widths[1]+widths[2]+widths[3], y+h)
	}
	for _, sec := range v.Sections {
		_, pageH := pdf.GetPageSize()
		if pdf.GetY() > pageH-40 {
			pdf.AddPage()
		}
		pdf.Ln(2)
		pdf.SetFont("Helvetica", "B", 10.5)
		pdf.CellFormat(0, 6, tr(sec.Title), "", 1, "L", false, 0, "")
		pdf.SetFont("Helvetica", "I", 7.5)
		pdf.MultiCell(0, 3.6, tr(sec.Promise), "", "L", false)
		line(header, true, true)
		for _, row := range sec.Rows {
			line([]string{row.Label, row.This, row.Previous, row.Change}, false, false)
			if row.CIT != "" {
				line([]string{"   CIT-certified officer", row.CIT, "", ""}, false, false)
				line([]string{"   Officer not CIT certified", row.NonCIT, "", ""}, false, false)
			}
		}
		if sec.ID == "gap" && len(v.Reasons) > 0 {
			var parts []string
			for _, rc := range v.Reasons {
				parts = append(parts, rc.Reason+": "+rc.Count)
			}
			pdf.SetFont("Helvetica", "", 7.5)
			pdf.MultiCell(0, 3.6, tr("Why no CIT officer was sent: "+strings.Join(parts, "; ")+"."), "", "L", false)
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return fmt.Errorf("write monthly report PDF: %w", err)
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="cit-monthly-report-`+v.Month+`.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
	return nil
}
