// Package regions holds the administrative divisions the service ships, embedded
// in the binary: Jiangxi's whole table down to the village (see README.md for
// its source). The service loads it into a database that has no regions on its
// first start; `hazardloop regions import --file F.csv` loads another table in
// the same format.
package regions

import (
	"bytes"
	_ "embed"
	"io"
)

// JiangxiName names the shipped table in messages.
const JiangxiName = "江西省行政区划（国家统计局2023年统计用区划代码）"

//go:embed jiangxi-divisions-2023.csv
var jiangxi []byte

// Jiangxi returns the shipped table of 江西省: CSV with the header
// code,name,parent_code, 23,959 rows, UTF-8, LF, no quotes.
func Jiangxi() io.Reader { return bytes.NewReader(jiangxi) }
