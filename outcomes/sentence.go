package outcomes

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// rateSentence says a measure's figure in words, as the design asks:
// "38 of 51 CIT-requested calls got a CIT officer on scene, 75%, 95% CI 61–85%".
func rateSentence(def measureDef, c Cell) string {
	if def.unit == UnitCount {
		switch c.Count {
		case 0:
			return noneSentence(def.den)
		case 1:
			return fmt.Sprintf("1 %s.", def.one)
		}
		return fmt.Sprintf("%s %s.", thousands(c.Count), def.den)
	}
	if c.Denominator == 0 {
		return noneSentence(def.den)
	}
	head := fmt.Sprintf("%s of %s %s %s", thousands(c.Count), thousands(c.Denominator), def.den, def.num)
	if def.unit == UnitPer100 {
		return fmt.Sprintf("%s, %s per 100, 95%% CI %s–%s.", head,
			percent(float64(c.Rate)), percent(float64(c.CILow)), percent(float64(c.CIHigh)))
	}
	return fmt.Sprintf("%s, %s%%, 95%% CI %s–%s%%.", head,
		percent(float64(c.Rate)), percent(float64(c.CILow)), percent(float64(c.CIHigh)))
}

// noneSentence is the one line of a measure with nothing recorded in the
// period: "No CIT-requested calls recorded in this period." ("No reports
// due in this period." where the noun phrase already says which.)
func noneSentence(den string) string {
	if strings.Contains(den, "recorded") || strings.HasSuffix(den, " due") || strings.Contains(den, " due ") || strings.HasSuffix(den, " met") {
		return fmt.Sprintf("No %s in this period.", den)
	}
	return fmt.Sprintf("No %s recorded in this period.", den)
}

// durationSentence says a duration measure in words: "Median 1.5 minutes
// from call received to dispatch (90th percentile 4 minutes), over 812 calls."
func durationSentence(what string, s DurationStats) string {
	if s.Count == 0 {
		return fmt.Sprintf("No times recorded %s in this period.", what)
	}
	return fmt.Sprintf("Median %s %s (90th percentile %s), over %s %s.",
		minutes(float64(s.MedianSeconds)), what, minutes(float64(s.P90Seconds)),
		thousands(s.Count), plural(s.Count, "encounter", "encounters"))
}

// meanSentence says a survey mean in words.
func meanSentence(what string, s MeanStats) string {
	if s.Count == 0 {
		return fmt.Sprintf("No survey answers on %s in this period.", what)
	}
	return fmt.Sprintf("Mean score %.1f of 5 for %s, from %s %s.", float64(s.Mean), what,
		thousands(s.Count), plural(s.Count, "answer", "answers"))
}

// percent writes a fraction as a percentage: whole numbers from 10 up (and
// 0), one decimal below, so 0.745 is "75" and 0.025 is "2.5".
func percent(f float64) string {
	v := f * 100
	if v == 0 || math.Abs(v) >= 9.95 {
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// minutes writes seconds as minutes, "1 minute", "7.5 minutes", "2 hours 5 minutes".
func minutes(sec float64) string {
	m := sec / 60
	switch {
	case m >= 120:
		h := math.Floor(m / 60)
		rest := math.Round(m - h*60)
		if rest == 60 {
			h, rest = h+1, 0
		}
		return fmt.Sprintf("%.0f hours %.0f %s", h, rest, plural(int(rest), "minute", "minutes"))
	case m >= 10:
		m = math.Round(m)
	default:
		m = math.Round(m*10) / 10
	}
	s := strconv.FormatFloat(m, 'f', -1, 64)
	if m == 1 {
		return s + " minute"
	}
	return s + " minutes"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// thousands writes n with commas between thousands: 1234567 is "1,234,567".
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}
