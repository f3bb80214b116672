import Foundation
import Testing

@testable import TensorCore

/// Checks every leaf gradient of `build` against central finite differences of its scalar output.
/// `build` makes the loss on a fresh tape from the leaves; non-scalar ops are reduced by a fixed random weighting.
func checkTapeGradients(
    _ leaves: [Variable], h: Float = 1e-2, tolerance: Double = 3e-3, _ name: String,
    build: (Tape, [Variable]) throws -> Variable
) throws {
    let tape = Tape()
    for l in leaves { l.zeroGrad() }
    let loss = try build(tape, leaves)
    try tape.backward(loss)
    var worst = 0.0
    for (li, leaf) in leaves.enumerated() where leaf.requiresGrad {
        let grad = leaf.grad ?? Tensor(validShape: leaf.shape)
        for i in 0..<leaf.value.count {
            let original = leaf.value[flat: i]
            func lossAt(_ x: Float) throws -> Double {
                try leaf.withMutableValue { $0[i] = x }
                return Double(try build(Tape(), leaves).value[flat: 0])
            }
            let fd = (try lossAt(original + h) - lossAt(original - h)) / Double(2 * h)
            try leaf.withMutableValue { $0[i] = original }
            let e = abs(Double(grad[flat: i]) - fd) / (1 + abs(fd))
            if e > worst { worst = e }
            if e > tolerance {
                Issue.record("\(name): leaf \(li) element \(i): tape \(grad[flat: i]) vs fd \(fd)"); return
            }
        }
    }
    #expect(worst < tolerance, "\(name)")
}

func leaf(_ shape: [Int], seed: UInt64, scale: Float = 1) throws -> Variable {
    Variable(try tensor(shape, seed: seed, scale: scale))
}

/// Σ w ⊙ y with fixed pseudo-random weights, so every output element matters.
func weightedSum(_ tape: Tape, _ y: Variable, seed: UInt64 = 77) throws -> Variable {
    let w = Variable(try tensor(y.shape, seed: seed), requiresGrad: false)
    return tape.sum(try tape.multiply(y, w))
}

@Suite struct AutogradTests {
    @Test func matmulAllTransposes() throws {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = try leaf(ta ? [2, 4, 3] : [2, 3, 4], seed: 1), b = try leaf(tb ? [2, 5, 4] : [2, 4, 5], seed: 2)
            try checkTapeGradients([a, b], "matmul \(ta) \(tb)") { t, v in
                try weightedSum(t, try t.matmul(v[0], v[1], transposeA: ta, transposeB: tb))
            }
        }
        let shared = try leaf([4, 5], seed: 3), x = try leaf([2, 3, 4], seed: 4)
        try checkTapeGradients([x, shared], "matmul broadcast") { t, v in try weightedSum(t, try t.matmul(v[0], v[1])) }
    }

    @Test func linearAndBroadcasting() throws {
        let x = try leaf([2, 3, 4], seed: 5), w = try leaf([6, 4], seed: 6), b = try leaf([6], seed: 7)
        try checkTapeGradients([x, w, b], "linear") { t, v in
            try weightedSum(t, try t.linear(v[0], weight: v[1], bias: v[2]))
        }
        let p = try leaf([3, 1], seed: 8), q = try leaf([2, 1, 4], seed: 9)
        for op in [BinaryOp.add, .subtract, .multiply] {
            try checkTapeGradients([p, q], "\(op)") { t, v in try weightedSum(t, try t.binary(op, v[0], v[1])) }
        }
        // The UNet's patterns: same shapes, a per-channel term over an image, a shared bias, a middle broadcast.
        let image = try leaf([2, 3, 4, 5], seed: 30), same = try leaf([2, 3, 4, 5], seed: 31)
        let perChannel = try leaf([2, 3, 1, 1], seed: 32), shared = try leaf([1, 3, 1, 1], seed: 33)
        let middle = try leaf([2, 1, 4, 5], seed: 34), row = try leaf([5], seed: 35)
        for other in [same, perChannel, shared, middle, row] {
            for op in [BinaryOp.add, .subtract, .multiply] {
                try checkTapeGradients([image, other], "\(op) \(other.shape)") { t, v in
                    try weightedSum(t, try t.binary(op, v[0], v[1]))
                }
                try checkTapeGradients([other, image], "\(op) \(other.shape) first") { t, v in
                    try weightedSum(t, try t.binary(op, v[0], v[1]))
                }
            }
        }
        let r = try leaf([3, 4], seed: 10)
        let s = Variable(try Tensor(shape: [4], scalars: [1.5, -2, 2.5, 3]))
        try checkTapeGradients([r, s], "divide") { t, v in try weightedSum(t, try t.binary(.divide, v[0], v[1])) }
        #expect(throws: TensorError.self) { try Tape().binary(.maximum, r, r) }
    }

    @Test func broadcastRunsCoverTheTrailingPattern() {
        let perChannel = BroadcastRuns(a: [2, 3, 4, 5], b: [2, 3, 1, 1], target: [2, 3, 4, 5])
        #expect(perChannel.length == 20 && perChannel.strideA == 1 && perChannel.strideB == 0)
        #expect(perChannel.offsetsA == [0, 20, 40, 60, 80, 100] && perChannel.offsetsB == [0, 1, 2, 3, 4, 5])
        let same = BroadcastRuns(a: [2, 3], b: [2, 3], target: [2, 3])
        #expect(same.length == 6 && same.count == 1 && same.strideA == 1 && same.strideB == 1)
        let row = BroadcastRuns(a: [3, 1], b: [4], target: [3, 4])
        #expect(row.length == 4 && row.strideA == 0 && row.strideB == 1 && row.offsetsA == [0, 1, 2])
        #expect(row.offsetsB == [0, 0, 0])
    }

    @Test func activationsSoftmaxNorms() throws {
        let x = try leaf([3, 8], seed: 11, scale: 2)
        for f in Activation.allCases {
            try checkTapeGradients([x], "\(f)") { t, v in try weightedSum(t, t.activation(v[0], f)) }
        }
        try checkTapeGradients([x], "softmax") { t, v in try weightedSum(t, try t.softmax(v[0])) }
        let w = try leaf([8], seed: 12), b = try leaf([8], seed: 13)
        try checkTapeGradients([x, w, b], "layerNorm") { t, v in
            try weightedSum(t, try t.layerNorm(v[0], weight: v[1], bias: v[2]))
        }
        let img = try leaf([2, 4, 3, 2], seed: 14, scale: 2), gw = try leaf([4], seed: 15), gb = try leaf([4], seed: 16)
        try checkTapeGradients([img, gw, gb], "groupNorm") { t, v in
            try weightedSum(t, try t.groupNorm(v[0], groups: 2, weight: v[1], bias: v[2]))
        }
    }

    @Test func convolutionAndResampling() throws {
        let x = try leaf([2, 3, 5, 4], seed: 17), w = try leaf([4, 3, 3, 3], seed: 18), b = try leaf([4], seed: 19)
        try checkTapeGradients([x, w, b], "conv2d") { t, v in
            try weightedSum(t, try t.conv2d(v[0], weight: v[1], bias: v[2], stride: 2, padding: 1))
        }
        try checkTapeGradients([x], "upsample") { t, v in try weightedSum(t, try t.upsampleNearest2x(v[0])) }
        try checkTapeGradients([x], "averagePool") { t, v in try weightedSum(t, try t.averagePool(v[0], kernel: 2)) }
    }

    @Test func attentionWithMasks() throws {
        let q = try leaf([2, 2, 5, 4], seed: 20), k = try leaf([2, 2, 6, 4], seed: 21),
            v = try leaf([2, 2, 6, 3], seed: 22)
        var pad = try Tensor(repeating: 1, shape: [2, 6])
        pad[flat: 5] = 0
        pad[flat: 10] = 0
        let add = try tensor([5, 6], seed: 23)
        try checkTapeGradients([q, k, v], "attention") { t, l in
            try weightedSum(
                t,
                try t.attention(
                    query: l[0], key: l[1], value: l[2], causal: true, keyPadding: pad,
                    additiveMask: add))
        }
    }

    @Test func lossesEmbeddingReshape() throws {
        let x = try leaf([4, 5], seed: 24, scale: 2)
        try checkTapeGradients([x], "crossEntropy") { t, v in try t.crossEntropy(v[0], targets: [0, 4, 2, 2]) }
        // Soft targets: rows of a softmax; one-hot rows give the class-index loss.
        let soft = try tensor([4, 5], seed: 27).softmax()
        try checkTapeGradients([x], "crossEntropy(distributions:)") { t, v in
            try t.crossEntropy(v[0], distributions: soft)
        }
        var oneHot = try Tensor(zeros: [4, 5])
        for (row, column) in [0, 4, 2, 2].enumerated() { oneHot[flat: row * 5 + column] = 1 }
        let hard = try Tape().crossEntropy(x, targets: [0, 4, 2, 2]).value.scalars[0]
        #expect(abs(try Tape().crossEntropy(x, distributions: oneHot).value.scalars[0] - hard) < 1e-6)
        let target = try tensor([4, 5], seed: 25)
        try checkTapeGradients([x], "mse") { t, v in try t.mseLoss(v[0], target: target) }
        try checkTapeGradients([x], "reshape+mean") { t, v in t.mean(try weightedSum(t, try t.reshape(v[0], [2, -1]))) }
        let table = try leaf([7, 3], seed: 26)
        try checkTapeGradients([table], "embedding") { t, v in
            try weightedSum(t, try t.embedding(v[0], ids: [1, 6, 1, 0]))
        }
        #expect(throws: TensorError.self) { try Tape().embedding(table, ids: [7]) }
        #expect(throws: TensorError.self) { try Tape().crossEntropy(x, targets: [0, 1, 2, 5]) }
        #expect(throws: TensorError.self) { try Tape().crossEntropy(x, distributions: try Tensor(zeros: [4, 4])) }
        #expect(throws: TensorError.self) { try Tape().backward(x) }
    }

    @Test func constantsRecordNothing() throws {
        let tape = Tape()
        let c = Variable(try tensor([3], seed: 1), requiresGrad: false)
        let y = tape.activation(c, .silu)
        #expect(tape.count == 0 && !y.requiresGrad)
    }
}

@Suite struct LayoutTests {
    @Test func permuteConcatSplit() throws {
        let x = try tensor([2, 3, 4, 5], seed: 30)
        let p = try x.permuted([0, 2, 1, 3])
        #expect(p.shape == [2, 4, 3, 5])
        for b in 0..<2 {
            for t in 0..<3 {
                for h in 0..<4 {
                    for d in 0..<5 {
                        #expect(p[flat: ((b * 4 + h) * 3 + t) * 5 + d] == x[flat: ((b * 3 + t) * 4 + h) * 5 + d])
                    }
                }
            }
        }
        #expect(try p.permuted([0, 2, 1, 3]).scalars == x.scalars)
        #expect(throws: TensorError.self) { try x.permuted([0, 0, 1, 2]) }
        let parts = try x.split(sizes: [1, 2], axis: 1)
        #expect(parts.map(\.shape) == [[2, 1, 4, 5], [2, 2, 4, 5]])
        #expect(try Tensor.concatenate(parts, axis: 1).scalars == x.scalars)
        #expect(throws: TensorError.self) { try x.split(sizes: [1, 1], axis: 1) }
        #expect(throws: TensorError.self) { try Tensor.concatenate([x, Tensor(zeros: [2, 3, 4, 6])], axis: 1) }
        let a = try leaf([2, 3, 4], seed: 31), b = try leaf([2, 1, 4], seed: 32)
        try checkTapeGradients([a, b], "concat+permute") { t, v in
            try weightedSum(t, try t.permute(try t.concatenate([v[0], v[1]], axis: 1), [2, 0, 1]))
        }
        try checkTapeGradients([a], "split") { t, v in
            let parts = try t.split(v[0], sizes: [1, 2], axis: 1)
            return try t.add(try weightedSum(t, parts[0], seed: 5), try weightedSum(t, parts[1], seed: 6))
        }
    }
}
