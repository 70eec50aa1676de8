package workflow

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"hazardloop/model"
)

// FuzzPayloadAsEncodingJSON: a payload's bytes are json.Marshal's, byte for
// byte, whatever its strings and numbers (the hash of each event covers
// them); what appendPayload declines goes to json.Marshal.
func FuzzPayloadAsEncodingJSON(f *testing.F) {
	for _, s := range []string{"", "台账导入（第12行）", `"q" \b`, "<a href='x'>&amp;</a>", "\u2028\u2029", "\x00\x01\x1f\x7f",
		"bad \xff\xfe utf8", "emoji 😀", "\ufffd", strings.Repeat("长", 200)} {
		for _, x := range []float64{0, -0.0, 0.1, 12.75, 1e-7, 123456789, 1e21, 1e20, 5e-324, math.MaxFloat64, -2.5e-8} {
			f.Add(s, x, int64(len(s)))
		}
	}
	f.Fuzz(func(t *testing.T, s string, x float64, n int64) {
		p := map[string]any{"text": s, s: n, "funds": x, "on": n%2 == 0, "none": nil, "row": int(n % 1000),
			"level": model.LevelMajor, "state": model.StateRectifying}
		want, err := json.Marshal(p)
		got, ok := appendPayload(nil, p)
		if err != nil {
			if ok {
				t.Fatalf("appendPayload wrote %s where json.Marshal fails (%v)", got, err)
			}
			return
		}
		if !ok {
			t.Fatalf("appendPayload declined %#v", p)
		}
		if string(got) != string(want) {
			t.Fatalf("payload\n got  %s\n want %s", got, want)
		}
		if string(marshalPayload(p)) != string(want) {
			t.Fatalf("marshalPayload differs from json.Marshal")
		}
	})
}

// TestPayloadDeclines: values that are not plain go to json.Marshal.
func TestPayloadDeclines(t *testing.T) {
	d := model.Date{}
	for _, v := range []any{&d, []string{"a"}, map[string]any{"a": 1}, math.NaN(), math.Inf(1), float32(1.5), json.RawMessage(`1`)} {
		if _, ok := appendPayload(nil, map[string]any{"v": v}); ok {
			t.Errorf("appendPayload wrote %T itself", v)
		}
	}
}
