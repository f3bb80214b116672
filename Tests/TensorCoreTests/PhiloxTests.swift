import Testing

@testable import TensorCore

@Suite struct PhiloxTests {
    /// Known-answer vectors of Random123 (kat_vectors, philox4x32 10).
    @Test func knownAnswers() {
        #expect(
            PhiloxRandom.block(counter: SIMD4(0, 0, 0, 0), key: SIMD2(0, 0))
                == SIMD4(0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8))
        #expect(
            PhiloxRandom.block(counter: SIMD4(repeating: 0xFFFF_FFFF), key: SIMD2(repeating: 0xFFFF_FFFF))
                == SIMD4(0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD))
        #expect(
            PhiloxRandom.block(
                counter: SIMD4(0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344),
                key: SIMD2(0xA409_3822, 0x299F_31D0)) == SIMD4(0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1))
    }

    /// Values printed by `python3 Tests/Fixtures/philox.py 42 6`.
    @Test func goldenStream() throws {
        var r = PhiloxRandom(seed: 42)
        #expect(
            r.nextWords(count: 6) == [0x9CEA_F053, 0x77F5_493B, 0x12BF_50AD, 0x5742_B3D7, 0xFCDB_2127, 0x53BA_6CFD])
        var u = PhiloxRandom(seed: 42)
        #expect(
            try u.uniform(shape: [6]).scalars == [
                0.6129599213600159, 0.4685865044593811, 0.0732317566871643,
                0.3408614993095398, 0.9877186417579651, 0.3270633816719055,
            ])
        var n = PhiloxRandom(seed: 42)
        let expected: [Float] = [
            -0.9701896905899048, 0.19401901960372925, -1.2356200218200684, 1.9239270687103271,
            -0.07318153977394104, 0.13913755118846893,
        ]
        let got = try n.normal(shape: [2, 3]).scalars
        #expect(got == expected)  // double math, rounded once: bit-exact with the Python reference
        #expect(n.offset == 6)
    }

    @Test func independentOfThreadsAndSplitting() throws {
        let count = 100_001
        var outs: [[Float]] = []
        for threads in [1, 2, 3] {
            var r = PhiloxRandom(seed: 7)
            var buf = [Float](repeating: 0, count: count)
            buf.withUnsafeMutableBufferPointer {
                r.fillNormal($0.baseAddress!, count: count, pool: ThreadPool(threadCount: threads))
            }
            outs.append(buf)
        }
        #expect(outs[0] == outs[1] && outs[1] == outs[2])
        // Drawing 40 then 60 continues the same stream as drawing 100.
        var a = PhiloxRandom(seed: 7), b = PhiloxRandom(seed: 7)
        let whole = try a.normal(shape: [100]).scalars
        let parts = try b.normal(shape: [40]).scalars + b.normal(shape: [60]).scalars
        #expect(whole == parts && a == b)
        // Moments of the normal stream.
        let mean = outs[0].reduce(0, +) / Float(count)
        let variance = outs[0].map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(count)
        #expect(abs(mean) < 0.01 && abs(variance - 1) < 0.02)
    }
}
