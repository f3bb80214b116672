import Testing

@testable import Shapes

@Suite struct SplitMix64Tests {
    @Test func firstOutputsArePinned() {
        // Reference values of SplitMix64 for seed 0 (Vigna's splitmix64.c).
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(rng.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func boundedDrawsStayInRange() {
        var rng = SplitMix64(seed: 42)
        for count in 1...50 {
            let value = rng.int(below: count)
            #expect(value >= 0 && value < count)
        }
        #expect(rng.int(below: 0) == 0)
        let u = rng.unit()
        #expect(u >= 0 && u < 1)
    }

    @Test func streamsAreIndependent() {
        var a = SplitMix64(seed: 7, stream: 1)
        var b = SplitMix64(seed: 7, stream: 2)
        #expect(a.next() != b.next())
    }
}
