package workflow

import "hazardloop/model"

// UnderListedSupervision reports whether a hazard of this level is under listed supervision (挂牌督办) from the moment it is listed: every major hazard is.
func UnderListedSupervision(level model.Level) bool {
	return level == model.LevelMajor
}
