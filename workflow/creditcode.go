package workflow

import "strings"

// creditAlphabet is the character set of the unified social credit code
// (GB 32100-2015): digits and upper-case letters without I, O, S, V, Z.
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCheckChar returns the check character for the first 17 characters of a
// unified social credit code, or 0 if they hold a character outside the alphabet.
func CreditCheckChar(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditAlphabet, first17[i])
		if v < 0 {
			return 0
		}
		sum += v * creditWeights[i]
	}
	return creditAlphabet[(31-sum%31)%31]
}

// ValidCreditCode reports whether code is 18 characters of the alphabet whose last
// is the right check character.
func ValidCreditCode(code string) bool {
	return len(code) == 18 && CreditCheckChar(code[:17]) == code[17]
}
