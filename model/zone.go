package model

import "time"

// Shanghai is Asia/Shanghai, the zone hazardloop reckons days and wall-clock
// times in: a fixed UTC+8 (CST). China has kept no daylight saving since 1991,
// so the fixed zone is exact and needs no tzdata on the machine.
var Shanghai = time.FixedZone("CST", 8*3600)
