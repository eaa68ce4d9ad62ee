package eido

import "testing"

// BenchmarkRead measures validating and mapping NENA's sample, the schema
// compiled beforehand.
func BenchmarkRead(b *testing.B) {
	doc := readSample(b)
	if err := Warm(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Read(doc, desoto); err != nil {
			b.Fatal(err)
		}
	}
}
