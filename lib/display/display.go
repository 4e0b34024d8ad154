// Package display shows gradlab's figures, tables and text in a GoNB notebook cell, and
// falls back to plain text on a terminal.
//
// GoNB runs each cell as a new program that sends its rich output to the kernel through a
// pipe. A program can exit before the kernel has read its last message, and that output is
// then lost (seen here in about 5% of cells, the first cell of a fresh kernel included).
// Every function in this package therefore waits for the kernel's acknowledgement
// (gonbui.Sync) before it returns. Output shown through this package has reached the
// kernel by then, whatever the cell does next.
//
// Figures are sent as image/svg+xml display data, with the same SVG as an <img> data URI in
// text/html (which survives nbconvert's HTML export) and a text/plain title.
//
// Cells import this package, never gonbui directly: importing gonbui from a cell makes GoNB
// look up gonbui's versions on the module proxy, which fails without network.
//
// Error policy: rendering errors are shown in the cell as an error line and returned.
package display

import (
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"os"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"

	"github.com/gradlab/gradlab/lib/plot"
)

// Terminal is the writer for output when the program does not run inside GoNB.
var Terminal io.Writer = os.Stdout

// InNotebook reports whether the program runs as a GoNB cell.
func InNotebook() bool { return gonbui.IsNotebook }

func send(data map[protocol.MIMEType]any) {
	gonbui.SendData(&protocol.DisplayData{Data: data})
	gonbui.Sync()
}

// Chart renders c to SVG and shows it. Outside a notebook it prints a one-line placeholder
// naming the chart.
func Chart(c plot.Chart) error {
	svg, err := c.SVG()
	if err != nil {
		Error(err)
		return err
	}
	if !InNotebook() {
		fmt.Fprintf(Terminal, "[figure: %s, %d bytes of SVG]\n", c.Name(), len(svg))
		return nil
	}
	send(map[protocol.MIMEType]any{
		protocol.MIMEImageSVG:  string(svg),
		protocol.MIMETextHTML:  svgImgTag(svg, c.Name()),
		protocol.MIMETextPlain: "figure: " + c.Name(),
	})
	return nil
}

// svgImgTag wraps an SVG document in an <img> element with a data URI. nbconvert 6 passes
// image/svg+xml outputs through an HTML sanitizer that drops every drawing element, so an
// HTML export of the raw SVG shows blank figures. It copies text/html outputs as they are,
// and Jupyter front ends prefer text/html, so the figure survives both.
func svgImgTag(svg []byte, title string) string {
	return `<img alt="` + html.EscapeString(title) + `" src="data:image/svg+xml;base64,` +
		base64.StdEncoding.EncodeToString(svg) + `">`
}

// Markdown shows a Markdown block; outside a notebook it prints the text.
func Markdown(md string) {
	if !InNotebook() {
		fmt.Fprintln(Terminal, md)
		return
	}
	send(map[protocol.MIMEType]any{
		protocol.MIMETextMarkdown: md,
		protocol.MIMETextPlain:    md,
	})
}

// Markdownf formats and shows a Markdown block.
func Markdownf(format string, args ...any) { Markdown(fmt.Sprintf(format, args...)) }

// HTML shows an HTML fragment; outside a notebook it prints the fragment.
func HTML(fragment string) {
	if !InNotebook() {
		fmt.Fprintln(Terminal, fragment)
		return
	}
	send(map[protocol.MIMEType]any{protocol.MIMETextHTML: fragment})
}

// Text prints plain text as cell output (stdout), flushed like the rich outputs.
func Text(s string) {
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	fmt.Fprint(Terminal, s)
	if InNotebook() {
		gonbui.Sync()
	}
}

// Error shows an error line in the cell (and on stderr outside a notebook).
func Error(err error) {
	if !InNotebook() {
		fmt.Fprintln(os.Stderr, "error:", err)
		return
	}
	send(map[protocol.MIMEType]any{
		protocol.MIMETextHTML:  `<pre style="color:#b00">error: ` + html.EscapeString(err.Error()) + `</pre>`,
		protocol.MIMETextPlain: "error: " + err.Error(),
	})
}

// Table shows rows under a header as an HTML table in a notebook, or as aligned text on a
// terminal. Rows shorter than the header are padded with empty cells.
func Table(header []string, rows [][]string) {
	if !InNotebook() {
		fmt.Fprint(Terminal, TextTable(header, rows))
		return
	}
	var b strings.Builder
	b.WriteString(`<table><thead><tr>`)
	for _, h := range header {
		b.WriteString("<th>" + html.EscapeString(h) + "</th>")
	}
	b.WriteString("</tr></thead><tbody>")
	for _, row := range rows {
		b.WriteString("<tr>")
		for i := range header {
			cell := ""
			if i < len(row) {
				cell = row[i]
			}
			b.WriteString("<td>" + html.EscapeString(cell) + "</td>")
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody></table>")
	send(map[protocol.MIMEType]any{
		protocol.MIMETextHTML:  b.String(),
		protocol.MIMETextPlain: TextTable(header, rows),
	})
}

// TextTable formats rows under a header as left-aligned columns separated by two spaces.
func TextTable(header []string, rows [][]string) string {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = len([]rune(h))
	}
	for _, row := range rows {
		for i := 0; i < len(row) && i < len(widths); i++ {
			widths[i] = max(widths[i], len([]rune(row[i])))
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		for i := range widths {
			cell := ""
			if i < len(cells) {
				cell = cells[i]
			}
			if i == len(widths)-1 {
				b.WriteString(cell)
				break
			}
			b.WriteString(cell + strings.Repeat(" ", widths[i]-len([]rune(cell))+2))
		}
		b.WriteString("\n")
	}
	line(header)
	for _, row := range rows {
		line(row)
	}
	return b.String()
}
