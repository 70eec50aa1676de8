package workflow

import "testing"

// TestComposePlace: the ways people write a place, each composed with its
// region's full name without repeating a level.
func TestComposePlace(t *testing.T) {
	county := []string{"江西省", "南昌市", "东湖区"}
	village := []string{"江西省", "九江市", "濂溪区", "莲花镇", "蔡岭村"}
	demo := []string{"江西省", "九江市", "九江市第6县区"}
	for _, c := range []struct {
		name  string
		chain []string
		place string
		want  string
	}{
		{"street only", county, "胜利路12号", "江西省南昌市东湖区胜利路12号"},
		{"from the county", county, "东湖区胜利路12号", "江西省南昌市东湖区胜利路12号"},
		{"from the city", county, "南昌市东湖区胜利路12号", "江西省南昌市东湖区胜利路12号"},
		{"from the province", county, "江西省南昌市东湖区胜利路12号", "江西省南昌市东湖区胜利路12号"},
		{"province then county", county, "江西省东湖区胜利路12号", "江西省南昌市东湖区胜利路12号"},
		{"short city before the county", county, "南昌东湖区胜利路12号", "江西省南昌市东湖区胜利路12号"},
		{"short province and city", county, "江西南昌东湖区胜利路12号", "江西省南昌市东湖区胜利路12号"},
		{"a road named like the city", county, "南昌路8号", "江西省南昌市东湖区南昌路8号"},
		{"with spaces", county, "  南昌市 东湖区　胜利路 12号 ", "江西省南昌市东湖区胜利路12号"},
		{"latin words keep their space", county, "胜利路 Block B 3楼", "江西省南昌市东湖区胜利路Block B 3楼"},
		{"outside the county town", county, "县城北门外", "江西省南昌市东湖区县城北门外"},
		{"nothing given", county, "", "江西省南昌市东湖区"},
		{"only spaces", county, "  ", "江西省南昌市东湖区"},
		{"the place is the county", county, "东湖区", "江西省南昌市东湖区"},
		{"a township below the county", county, "豫章街道豫章路3号", "江西省南昌市东湖区豫章街道豫章路3号"},
		{"village name only", village, "蔡岭村", "江西省九江市濂溪区莲花镇蔡岭村"},
		{"village with a spot", village, "蔡岭村后山（切坡建房处）", "江西省九江市濂溪区莲花镇蔡岭村后山（切坡建房处）"},
		{"from the township", village, "莲花镇蔡岭村3组", "江西省九江市濂溪区莲花镇蔡岭村3组"},
		{"county then village", village, "濂溪区蔡岭村3组", "江西省九江市濂溪区莲花镇蔡岭村3组"},
		{"a level that names its parent", demo, "九江市第6县区", "江西省九江市第6县区"},
		{"a level that names its parent, with more", demo, "九江市第6县区工业园2号", "江西省九江市第6县区工业园2号"},
		{"a region name only", demo, "工业园2号", "江西省九江市第6县区工业园2号"},
		{"no region known", nil, "胜利路12号", "胜利路12号"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ComposePlace(c.chain, c.place); got != c.want {
				t.Errorf("ComposePlace(%q, %q) = %q, want %q", c.chain, c.place, got, c.want)
			}
		})
	}
}
