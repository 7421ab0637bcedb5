package story

import "testing"

// BenchmarkNewDoc fingerprints every item of the labelled set once per
// operation.
func BenchmarkNewDoc(b *testing.B) {
	_, items := loadLabelled(b)
	ins := make([]Input, len(items))
	for i, it := range items {
		ins[i] = it.in
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for _, in := range ins {
			NewDoc(in)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ins)), "ns/item")
}

// BenchmarkConfirm compares every item of the labelled set with the next
// one, in file order, once per operation.
func BenchmarkConfirm(b *testing.B) {
	_, items := loadLabelled(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for i := 1; i < len(items); i++ {
			Confirm(items[i].doc, items[i-1].doc, DefaultWindow)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*(len(items)-1)), "ns/pair")
}
