package handler

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"hazardloop/model"
	"hazardloop/regions"
	"hazardloop/workflow"
)

// shadeColours are the four colours of the county map and the grey of no data.
var shadeColours = map[string]string{
	workflow.ShadeRed: "#dc2626", workflow.ShadeOrange: "#f97316", workflow.ShadeYellow: "#facc15",
	workflow.ShadeBlue: "#3b82f6", workflow.ShadeNone: "#e5e7eb",
}

// drawCountyMap draws m over the shipped outlines as one SVG document: each
// county a link to its hazards, with its name and value in a title, its name
// written at its middle, and a legend. Longitudes are scaled by the cosine of
// the middle latitude (an equirectangular view of a province is true enough).
// Counties without an outline (红谷滩区) are left to the table beside it.
func drawCountyMap(m workflow.CountyMap) (string, error) {
	outlines, err := regions.Counties()
	if err != nil {
		return "", err
	}
	byCode := map[string]workflow.CountyShade{}
	for _, c := range m.Counties {
		byCode[c.Code] = c
	}
	var shown []regions.Outline
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, o := range outlines {
		if _, ok := byCode[o.Code]; !ok {
			continue
		}
		shown = append(shown, o)
		for _, p := range o.Polygons {
			for _, pt := range p[0] {
				minX, maxX = math.Min(minX, pt[0]), math.Max(maxX, pt[0])
				minY, maxY = math.Min(minY, pt[1]), math.Max(maxY, pt[1])
			}
		}
	}
	const width = 800.0
	legend := 44.0
	if len(m.Dots) > 0 {
		legend = 70
	}
	var b strings.Builder
	if len(shown) == 0 {
		fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f 60" role="img" aria-label="四色图"><text x="10" y="30" font-size="14">本辖区没有可绘制的县级区划</text></svg>`, width)
		return b.String(), nil
	}
	kx := math.Cos((minY + maxY) / 2 * math.Pi / 180)
	scale := width / math.Max((maxX-minX)*kx, 1e-9)
	height := (maxY - minY) * scale
	xy := func(pt [2]float64) (float64, float64) { return (pt[0] - minX) * kx * scale, (maxY - pt[1]) * scale }
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-4 -4 %.0f %.0f" class="county-map" role="img" aria-label="%s四色图">`,
		width+8, height+legend+8, html.EscapeString(m.Label))
	for _, o := range shown {
		c := byCode[o.Code]
		fmt.Fprintf(&b, `<a href="/hazards?region=%s"><path fill="%s" stroke="#ffffff" stroke-width="0.8" d="`, o.Code, shadeColours[c.Shade])
		big, bigArea := o.Polygons[0][0], 0.0
		for _, p := range o.Polygons {
			for _, ring := range p {
				for i, pt := range ring {
					x, y := xy(pt)
					if i == 0 {
						fmt.Fprintf(&b, "M%.1f %.1f", x, y)
					} else {
						fmt.Fprintf(&b, "L%.1f %.1f", x, y)
					}
				}
				b.WriteString("Z")
			}
			if a := ringArea(p[0]); a > bigArea {
				big, bigArea = p[0], a
			}
		}
		fmt.Fprintf(&b, `"><title>%s：%s</title></path>`, html.EscapeString(c.Name), html.EscapeString(c.Text))
		cx, cy := ringMiddle(big, xy)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="%.0f" text-anchor="middle" fill="#111827">%s</text></a>`,
			cx, cy, math.Max(9, math.Min(13, width/float64(len(shown))*0.9)), html.EscapeString(c.Name))
	}
	// One county's open hazards with coordinates, as dots over it: a major
	// one larger and dark red, each a link to the hazard.
	for _, d := range m.Dots {
		if d.Longitude < minX || d.Longitude > maxX || d.Latitude < minY || d.Latitude > maxY {
			continue // outside the county's box: the table beside it lists it
		}
		x, y := xy([2]float64{d.Longitude, d.Latitude})
		r, fill := 4.5, "#1e3a8a"
		if d.Level == model.LevelMajor {
			r, fill = 7, "#7f1d1d"
		}
		fmt.Fprintf(&b, `<a href="/hazards/%d"><circle class="dot" cx="%.1f" cy="%.1f" r="%.1f" fill="%s" stroke="#ffffff" stroke-width="1.5"><title>%s %s（%s）</title></circle></a>`,
			d.ID, x, y, r, fill, html.EscapeString(d.Code), html.EscapeString(d.Title), html.EscapeString(d.Level.Label()))
	}
	// The legend: four colours with the cuts, and grey for no data.
	y := height + 12
	labels := legendLabels(m)
	for i, sh := range []string{workflow.ShadeBlue, workflow.ShadeYellow, workflow.ShadeOrange, workflow.ShadeRed} {
		x := float64(i) * width / 4
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="18" height="14" fill="%s"/><text x="%.0f" y="%.0f" font-size="13" fill="#374151">%s</text>`,
			x, y, shadeColours[sh], x+24, y+12, html.EscapeString(labels[i]))
	}
	if len(m.Dots) > 0 {
		y += 26
		fmt.Fprintf(&b, `<circle cx="9" cy="%.0f" r="4.5" fill="#1e3a8a"/><text x="24" y="%.0f" font-size="13" fill="#374151">一般隐患</text>`, y+7, y+12)
		fmt.Fprintf(&b, `<circle cx="%.0f" cy="%.0f" r="7" fill="#7f1d1d"/><text x="%.0f" y="%.0f" font-size="13" fill="#374151">重大隐患（在办，%d 处有坐标）</text>`,
			width/4+9, y+7, width/4+24, y+12, len(m.Dots))
	}
	b.WriteString(`</svg>`)
	return b.String(), nil
}

// legendLabels say what each colour means for m's metric, blue to red.
func legendLabels(m workflow.CountyMap) [4]string {
	t := m.Thresholds
	if m.Metric == "rectification_rate" {
		return [4]string{fmt.Sprintf("≥ %.0f%%", t[0]*100), fmt.Sprintf("%.0f%%–%.0f%%", t[1]*100, t[0]*100),
			fmt.Sprintf("%.0f%%–%.0f%%", t[2]*100, t[1]*100), fmt.Sprintf("< %.0f%%", t[2]*100)}
	}
	span := func(a, b float64) string {
		if b <= a {
			return fmt.Sprintf("%.0f", a)
		}
		return fmt.Sprintf("%.0f–%.0f", a, b)
	}
	return [4]string{fmt.Sprintf("< %.0f", t[0]), span(t[0], t[1]-1), span(t[1], t[2]-1), fmt.Sprintf("≥ %.0f", t[2])}
}

// ringArea is the area of a ring in degrees², by the shoelace formula.
func ringArea(r [][2]float64) float64 {
	a := 0.0
	for i := range r {
		j := (i + 1) % len(r)
		a += r[i][0]*r[j][1] - r[j][0]*r[i][1]
	}
	return math.Abs(a) / 2
}

// ringMiddle is where a county's name goes: the middle of its largest ring's
// box, drawn.
func ringMiddle(r [][2]float64, xy func([2]float64) (float64, float64)) (float64, float64) {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, pt := range r {
		x, y := xy(pt)
		x0, x1, y0, y1 = math.Min(x0, x), math.Max(x1, x), math.Min(y0, y), math.Max(y1, y)
	}
	return (x0 + x1) / 2, (y0+y1)/2 + 4
}

// countyMapSVG answers GET /api/v1/map/counties.svg?metric=&region=.
func (s *Server) countyMapSVG(c *gin.Context) {
	m, err := s.supervision.CountyMap(c.Request.Context(), actor(c), c.Query("metric"), c.Query("region"))
	if err != nil {
		s.fail(c, err)
		return
	}
	svg, err := drawCountyMap(m)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "image/svg+xml; charset=utf-8", []byte(svg))
}

type mapView struct {
	base
	M       workflow.CountyMap
	SVG     template.HTML // drawn here from escaped names and numbers only
	Metrics []option
}

// mapPage is the county map with its metric chooser and the counties as a
// table (for reading on a phone and without pictures).
func (u *ui) mapPage(c *gin.Context) {
	m, err := u.s.supervision.CountyMap(c.Request.Context(), actor(c), c.Query("metric"), c.Query("region"))
	if err != nil {
		u.fail(c, err)
		return
	}
	svg, err := drawCountyMap(m)
	if err != nil {
		u.fail(c, err)
		return
	}
	var ms []option
	for _, k := range workflow.MapMetrics {
		ms = append(ms, option{Value: k, Label: workflow.MapMetricLabel(k)})
	}
	u.render(c, http.StatusOK, "map", mapView{base: u.base(c, "四色图", "/map"), M: m, SVG: template.HTML(svg), Metrics: ms})
}
