import Foundation
import Testing

@testable import NN

@Suite struct LoadingTests {
    func weights(of m: Module, seed: UInt64) throws -> [String: Tensor] {
        var r = TestRandom(seed: seed)
        return Dictionary(uniqueKeysWithValues: try m.parameters().map { ($0.key, try r.tensor($0.value.shape)) })
    }

    @Test func strictLoadReplacesEveryParameter() throws {
        let m = Toy()
        let w = try weights(of: m, seed: 1)
        try m.load(w)
        for (k, v) in m.parameters() { #expect(v.value.scalars == w[k]?.scalars) }
    }

    @Test func missingUnusedAndMisShapedKeysAreNamed() throws {
        let m = Toy()
        var w = try weights(of: m, seed: 2)
        w["blocks.0.bias"] = nil
        w["blocks.7.weight"] = try Tensor(zeros: [3, 3])
        w["extra.weight"] = try Tensor(zeros: [2, 9])
        let before = m.layerNorm1.weight?.value.scalars
        do {
            try m.load(w)
            Issue.record("load should fail")
        } catch let e as LoadingError {
            #expect(e.problems.contains(.missing(key: "blocks.0.bias", expected: [4])))
            #expect(e.problems.contains(.unused(key: "blocks.7.weight", shape: [3, 3])))
            #expect(e.problems.contains(.shapeMismatch(key: "extra.weight", expected: [2, 8], found: [2, 9])))
            let text = e.description
            #expect(text.contains("blocks.0.bias") && text.contains("[2, 9]") && text.contains("[2, 8]"))
        }
        // Nothing was changed by the failed load.
        #expect(m.layerNorm1.weight?.value.scalars == before)
        // Non-strict skips missing/unused keys but still refuses a wrong shape.
        #expect(throws: LoadingError.self) { try m.load(w, strict: false) }
        w["extra.weight"] = try Tensor(zeros: [2, 8])
        try m.load(w, strict: false)
    }

    @Test func saveAndLoadFileWithDtypeConversion() throws {
        let a = Toy(), b = Toy()
        try a.initializeParameters(seed: 3)
        let path = temporaryPath("toy.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try a.save(to: path)
        try b.load(contentsOf: path)
        for ((_, x), (_, y)) in zip(a.parameters(), b.parameters()) { #expect(x.value.scalars == y.value.scalars) }
        try a.save(to: path, dtype: .f16)
        try b.load(contentsOf: path)
        let x = a.blocks[0].weight.value.scalars, y = b.blocks[0].weight.value.scalars
        #expect(maxError(x, y) < 1e-3 && x != y)
    }

    @Test func unreadableFileIsNamed() throws {
        let path = temporaryPath("garbage.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("not a safetensors file".utf8).write(to: URL(fileURLWithPath: path))
        do {
            try Toy().load(contentsOf: path)
            Issue.record("load should fail")
        } catch let e as ModelFileError {
            #expect(e.description.contains(path))
        }
    }
}
