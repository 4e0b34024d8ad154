package display

import (
	"fmt"
	"html"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
)

// Progress shows the progress of long work: an updating line in a notebook cell, or one
// line per update on the terminal, at most one every Interval.
type Progress struct {
	Title string
	Total int
	// Interval is the minimum time between two updates; 2 s when zero.
	Interval time.Duration

	id       string
	start    time.Time
	last     time.Time
	lastDone int
}

// NewProgress returns a progress display for total units of work.
func NewProgress(title string, total int) *Progress {
	return &Progress{Title: title, Total: total}
}

// Update reports done units finished, with a short status such as "loss 0.31".
func (p *Progress) Update(done int, status string) {
	now := time.Now()
	if p.start.IsZero() {
		p.start = now
	}
	interval := p.Interval
	if interval == 0 {
		interval = 2 * time.Second
	}
	if done < p.Total && !p.last.IsZero() && now.Sub(p.last) < interval {
		return
	}
	p.last, p.lastDone = now, done
	line := fmt.Sprintf("%s: %d/%d (%.0f%%) %s, %.1f s", p.Title, done, p.Total,
		100*float64(done)/float64(max(1, p.Total)), status, now.Sub(p.start).Seconds())
	if !InNotebook() {
		fmt.Fprintln(Terminal, line)
		return
	}
	body := "<pre>" + html.EscapeString(line) + "</pre>"
	if p.id == "" {
		p.id = "gradlab-progress-" + gonbui.UniqueId()
		HTML(`<div id="` + p.id + `">` + body + `</div>`)
		return
	}
	gonbui.UpdateHtml(p.id, body)
	gonbui.Sync()
}
