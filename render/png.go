package render

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/fogleman/gg"
	"github.com/golang/freetype/truetype"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/tracegraph/tracegraph/topology"
)

// PNG through native Graphviz is its own `dot -Tpng` (cairo). Through the
// embedded renderer it is painted here, in Go, from the drawing operations
// Graphviz emits with its layout (the xdot operations of its JSON output).
// The PNG renderer bundled with go-graphviz fills edge splines into wedges
// and drops node outlines and dashes, which made every diff picture wrong;
// painting the operations ourselves keeps the layout (the same as the
// SVG's) and draws exactly what Graphviz asks for.

// pngScale is pixels per point: 2 gives crisp text on high-density screens
// and in GitHub's image viewer. Large pictures are drawn smaller, down to
// pngMinScale, to stay within PNGMaxPixels.
const (
	pngScale    = 2.0
	pngMinScale = 0.75
)

// The embedded renderer refuses PNGs past these sizes, with a message
// naming the ways out: its layout alone takes seconds, painting takes
// hundreds of megabytes, and native Graphviz does both far faster.
const (
	PNGMaxElements = 1000 // nodes plus edges, checked before the layout
	PNGMaxPixels   = 40_000_000
)

// PNG writes g laid out by Graphviz's dot as a PNG image, with
// opts.Graphviz's engine.
func PNG(ctx context.Context, w io.Writer, g *topology.Graph, opts Options) error {
	d := newDrawing(g, viewOf(opts))
	pic, err := opts.Graphviz.draw(ctx, d, "png", func(l Layouter, dot []byte) ([]byte, error) {
		var out bytes.Buffer
		err := paintPNG(ctx, &out, d, dot, l)
		return out.Bytes(), err
	})
	if err != nil {
		return fmt.Errorf("png: %w", err)
	}
	return pic.writeTo(w)
}

// paintPNG lays dot out with the embedded renderer and paints it.
func paintPNG(ctx context.Context, w io.Writer, d *drawing, dot []byte, l Layouter) error {
	tooBig := func(why string) error {
		return fmt.Errorf("a graph of %d nodes and %d edges is too big for the embedded renderer's PNG (%s); "+
			"install Graphviz, or give its dot with --graphviz PATH, to draw it natively; or use -f svg or -f dot, or narrow it with --focus SERVICE --depth N",
			len(d.nodes), len(d.edges), why)
	}
	if n := len(d.nodes) + len(d.edges); n > PNGMaxElements {
		return tooBig(fmt.Sprintf("it draws at most %d nodes and edges", PNGMaxElements))
	}
	var out bytes.Buffer
	if err := l.Layout(ctx, dot, "json", &out); err != nil {
		return err
	}
	var lg xgraph
	if err := json.Unmarshal(out.Bytes(), &lg); err != nil {
		return fmt.Errorf("read graphviz layout: %w", err)
	}
	bb, err := parseBox(lg.BB)
	if err != nil {
		return fmt.Errorf("graphviz layout: %w", err)
	}
	scale := pngScale
	if px := (bb[2] + 2) * (bb[3] + 2) * scale * scale; px > PNGMaxPixels {
		scale *= math.Sqrt(PNGMaxPixels / px)
	}
	if scale < pngMinScale {
		return tooBig(fmt.Sprintf("the picture would be %.0f×%.0f points", bb[2], bb[3]))
	}
	wpx, hpx := int(math.Ceil((bb[2]+2)*scale)), int(math.Ceil((bb[3]+2)*scale))
	p := &painter{c: gg.NewContext(wpx, hpx), scale: scale, height: bb[3], fonts: map[float64]font.Face{}}
	p.c.SetColor(color.White)
	p.c.Clear()
	// Graphviz's own order: the graph, clusters, then nodes and edges. Edges
	// go before nodes here so that arrowheads end cleanly at node borders.
	p.ops(lg.Draw, lg.LDraw)
	for _, o := range lg.Objects {
		if o.Nodes != nil { // a cluster
			p.ops(o.Draw, o.LDraw)
		}
	}
	for _, e := range lg.Edges {
		p.ops(e.Draw, e.HDraw, e.TDraw, e.LDraw, e.HLDraw, e.TLDraw)
	}
	for _, o := range lg.Objects {
		if o.Nodes == nil {
			p.ops(o.Draw, o.LDraw)
		}
	}
	// Flat colours compress well even at the fastest level, which halves
	// the time of a large picture.
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, p.c.Image())
}

// xgraph is the part of Graphviz's JSON output that says how to draw.
type xgraph struct {
	BB      string    `json:"bb"`
	Draw    []xop     `json:"_draw_"`
	LDraw   []xop     `json:"_ldraw_"`
	Objects []xobject `json:"objects"`
	Edges   []xobject `json:"edges"`
}

type xobject struct {
	Nodes  []int `json:"nodes"` // present on subgraphs only
	Draw   []xop `json:"_draw_"`
	LDraw  []xop `json:"_ldraw_"`
	HDraw  []xop `json:"_hdraw_"`
	TDraw  []xop `json:"_tdraw_"`
	HLDraw []xop `json:"_hldraw_"`
	TLDraw []xop `json:"_tldraw_"`
}

// xop is one xdot drawing operation.
type xop struct {
	Op     string       `json:"op"`
	Color  string       `json:"color"`
	Style  string       `json:"style"`
	Points [][2]float64 `json:"points"`
	Rect   [4]float64   `json:"rect"`
	Pt     [2]float64   `json:"pt"`
	Align  string       `json:"align"`
	Width  float64      `json:"width"`
	Text   string       `json:"text"`
	Size   float64      `json:"size"`
}

func parseBox(s string) ([4]float64, error) {
	var b [4]float64
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return b, fmt.Errorf("bad bounding box %q", s)
	}
	for i, p := range parts {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return b, fmt.Errorf("bad bounding box %q", s)
		}
		b[i] = v
	}
	return b, nil
}

// painter carries the xdot drawing state: pen and fill colours, line style
// and font, which operations set and later ones use.
type painter struct {
	c        *gg.Context
	scale    float64 // pixels per point
	height   float64 // of the graph in points; xdot's y axis points up
	pen      color.Color
	fill     color.Color
	width    float64
	dash     []float64
	fontSize float64
	fonts    map[float64]font.Face
}

func (p *painter) x(v float64) float64 { return (v + 1) * p.scale }
func (p *painter) y(v float64) float64 { return (p.height - v + 1) * p.scale }

func (p *painter) ops(lists ...[]xop) {
	for _, ops := range lists {
		// Each attribute's operations start from the defaults.
		p.pen, p.fill, p.width, p.dash, p.fontSize = color.Black, color.Black, 1, nil, 14
		for _, o := range ops {
			p.op(o)
		}
	}
}

func (p *painter) op(o xop) {
	c := p.c
	switch o.Op {
	case "c":
		p.pen = parseColor(o.Color)
	case "C":
		p.fill = parseColor(o.Color)
	case "S":
		p.style(o.Style)
	case "F":
		p.fontSize = o.Size
	case "E", "e":
		c.DrawEllipse(p.x(o.Rect[0]), p.y(o.Rect[1]), o.Rect[2]*p.scale, o.Rect[3]*p.scale)
		p.finish(o.Op == "E")
	case "P", "p", "L":
		if len(o.Points) == 0 {
			return
		}
		c.MoveTo(p.x(o.Points[0][0]), p.y(o.Points[0][1]))
		for _, pt := range o.Points[1:] {
			c.LineTo(p.x(pt[0]), p.y(pt[1]))
		}
		if o.Op != "L" {
			c.ClosePath()
		}
		p.finish(o.Op == "P")
	case "B", "b":
		if len(o.Points) == 0 {
			return
		}
		c.MoveTo(p.x(o.Points[0][0]), p.y(o.Points[0][1]))
		for i := 1; i+2 < len(o.Points); i += 3 {
			a, b, d := o.Points[i], o.Points[i+1], o.Points[i+2]
			c.CubicTo(p.x(a[0]), p.y(a[1]), p.x(b[0]), p.y(b[1]), p.x(d[0]), p.y(d[1]))
		}
		// Graphviz's JSON writer swaps the letters of xdot: here "B" is the
		// filled Bézier and "b" the unfilled one (an edge).
		// TestGraphvizJSONBezierLetters holds it to that.
		p.finish(o.Op == "B")
	case "T":
		p.text(o)
	}
}

// finish fills (for the upper-case, filled operations) and strokes the
// current path: a filled shape in xdot also has its outline in the pen
// colour.
func (p *painter) finish(filled bool) {
	c := p.c
	if filled {
		c.SetColor(p.fill)
		c.FillPreserve()
	}
	if p.width <= 0 || isTransparent(p.pen) {
		c.ClearPath()
		return
	}
	c.SetColor(p.pen)
	c.SetLineWidth(p.width * p.scale)
	c.SetDash(p.dash...)
	c.Stroke()
	c.SetDash()
}

func (p *painter) style(s string) {
	switch {
	case s == "dashed":
		p.dash = []float64{5 * p.scale, 3 * p.scale}
	case s == "dotted":
		p.dash = []float64{1.5 * p.scale, 3 * p.scale}
	case s == "solid":
		p.dash = nil
	case s == "invis":
		p.width = 0
	case s == "bold":
		p.width = 2
	case strings.HasPrefix(s, "setlinewidth("):
		if v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(s, "setlinewidth("), ")"), 64); err == nil {
			p.width = v
		}
	}
}

// text draws a label line. Graphviz measured it with its own metrics for
// the requested font; the Go font drawn here is narrowed to that width
// when it would be wider, so labels never overrun what the layout left for
// them.
func (p *painter) text(o xop) {
	if o.Text == "" {
		return
	}
	size := p.fontSize
	face := p.face(size)
	if w := font.MeasureString(face, o.Text).Round(); o.Width > 0 && float64(w) > o.Width*p.scale {
		size = math.Floor(size*o.Width*p.scale/float64(w)*10) / 10
		face = p.face(size)
	}
	p.c.SetFontFace(face)
	p.c.SetColor(p.pen)
	ax := 0.5
	switch o.Align {
	case "l":
		ax = 0
	case "r":
		ax = 1
	}
	if !strings.Contains(o.Text, "-") {
		p.c.DrawStringAnchored(o.Text, p.x(o.Pt[0]), p.y(o.Pt[1]), ax, 0)
		return
	}
	p.hyphenated(face, o.Text, p.x(o.Pt[0]), p.y(o.Pt[1]), ax)
}

// hyphenated draws a line that holds hyphens. The Go font's hyphen-minus
// is as wide as an n, a minus sign to the eye ("debug−tap"), and it has
// no hyphen glyph of its own: each hyphen is drawn as a bar of the glyph's
// height and thickness, a little over half its width, and the text around
// it is laid out as if that were the glyph.
func (p *painter) hyphenated(face font.Face, text string, x, y, ax float64) {
	bounds, adv, _ := face.GlyphBounds('-')
	width := 0.55 * float64(adv) / 64
	parts := strings.Split(text, "-")
	total := float64(len(parts)-1) * width
	for _, part := range parts {
		total += float64(font.MeasureString(face, part)) / 64
	}
	at := x - ax*total
	top, bottom := float64(bounds.Min.Y)/64, float64(bounds.Max.Y)/64 // above the baseline: negative
	for i, part := range parts {
		p.c.DrawString(part, at, y)
		at += float64(font.MeasureString(face, part)) / 64
		if i < len(parts)-1 {
			p.c.DrawRectangle(at+0.1*width, y+top, 0.8*width, bottom-top)
			p.c.Fill()
			at += width
		}
	}
}

func (p *painter) face(size float64) font.Face {
	if f, ok := p.fonts[size]; ok {
		return f
	}
	// Go's own font is embedded: the picture does not depend on the fonts
	// a machine happens to have.
	ft, _ := truetype.Parse(goregular.TTF)
	f := truetype.NewFace(ft, &truetype.Options{Size: size * p.scale * 0.96, Hinting: font.HintingFull})
	p.fonts[size] = f
	return f
}

// parseColor reads #rrggbb or #rrggbbaa; Graphviz's JSON output names
// every colour that way. Anything else is black.
func parseColor(s string) color.Color {
	s = strings.TrimPrefix(s, "#")
	if len(s) != 6 && len(s) != 8 {
		return color.Black
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return color.Black
	}
	if len(s) == 6 {
		return color.NRGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
	}
	return color.NRGBA{uint8(v >> 24), uint8(v >> 16), uint8(v >> 8), uint8(v)}
}

func isTransparent(c color.Color) bool {
	_, _, _, a := c.RGBA()
	return a == 0
}
