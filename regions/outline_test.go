package regions

import (
	"bufio"
	"strings"
	"testing"
)

// TestCounties: the shipped outlines parse, are 99, each with rings of points
// inside 江西省's extent, and each code is a county of the shipped table.
func TestCounties(t *testing.T) {
	cs, err := Counties()
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 99 {
		t.Fatalf("%d outlines, want 99", len(cs))
	}
	table := map[string]string{}
	sc := bufio.NewScanner(Jiangxi())
	for sc.Scan() {
		f := strings.Split(sc.Text(), ",")
		if len(f) == 3 && len(f[0]) == 6 {
			table[f[0]] = f[1]
		}
	}
	for _, c := range cs {
		if _, ok := table[c.Code]; !ok {
			t.Errorf("outline %s %s is not a division of the table", c.Code, c.Name)
		}
		if len(c.Polygons) == 0 || len(c.Polygons[0]) == 0 || len(c.Polygons[0][0]) < 4 {
			t.Errorf("outline %s has no ring", c.Code)
			continue
		}
		for _, p := range c.Polygons[0][0] {
			if p[0] < 113 || p[0] > 119 || p[1] < 24 || p[1] > 31 {
				t.Errorf("outline %s has a point outside 江西省: %v", c.Code, p)
				break
			}
		}
	}
}
