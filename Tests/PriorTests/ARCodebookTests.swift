import Foundation
import NN
import Prior
import Testing

/// The Jacobi eigen solver, the PCA and the quantisers of the AR prior.
@Suite struct ARCodebookTests {
    @Test func eigenOfKnownMatrices() throws {
        let two = try SymmetricEigen(matrix: [2, 1, 1, 2], size: 2)
        #expect(abs(two.values[0] - 3) < 1e-12 && abs(two.values[1] - 1) < 1e-12)
        let r = 1 / 2.0.squareRoot()
        #expect(abs(two.vectors[0] - r) < 1e-12 && abs(two.vectors[1] - r) < 1e-12)
        #expect(abs(abs(two.vectors[2]) - r) < 1e-12 && abs(two.vectors[2] + two.vectors[3]) < 1e-12)

        // [[4, 1, 0], [1, 3, 1], [0, 1, 2]]: eigenvalues 3 + √3, 3, 3 − √3.
        let three = try SymmetricEigen(matrix: [4, 1, 0, 1, 3, 1, 0, 1, 2], size: 3)
        let expected = [3 + 3.0.squareRoot(), 3, 3 - 3.0.squareRoot()]
        for (a, b) in zip(three.values, expected) { #expect(abs(a - b) < 1e-12) }

        let diagonal = try SymmetricEigen(matrix: [1, 0, 0, 0, 5, 0, 0, 0, -2], size: 3)
        #expect(diagonal.values == [5, 1, -2])
        #expect(diagonal.vectors == [0, 1, 0, 1, 0, 0, 0, 0, 1])
    }

    @Test func eigenOfRandomSymmetricMatrixReconstructs() throws {
        let n = 12
        var rng = PhiloxRandom(seed: 9)
        let g = try rng.normal(shape: [n, n]).scalars.map(Double.init)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { a[i * n + j] = g[i * n + j] + g[j * n + i] } }
        let e = try SymmetricEigen(matrix: a, size: n)
        #expect(zip(e.values, e.values.dropFirst()).allSatisfy { $0 >= $1 })
        for i in 0..<n {
            for j in 0..<n {
                var dot = 0.0, reconstructed = 0.0
                for k in 0..<n {
                    dot += e.vectors[i * n + k] * e.vectors[j * n + k]
                    reconstructed += e.vectors[k * n + i] * e.values[k] * e.vectors[k * n + j]
                }
                #expect(abs(dot - (i == j ? 1 : 0)) < 1e-10)
                #expect(abs(reconstructed - a[i * n + j]) < 1e-10)
            }
        }
    }

    @Test func eigenRejectsBadMatrices() {
        #expect(throws: PriorError.self) { try SymmetricEigen(matrix: [1, 2, 3, 4], size: 2) }
        #expect(throws: PriorError.self) { try SymmetricEigen(matrix: [1, 2, 3], size: 2) }
        #expect(throws: PriorError.self) { try SymmetricEigen(matrix: [.nan, 0, 0, 1], size: 2) }
    }

    @Test func pcaFindsTheAxesAndKeepsTheVariance() throws {
        // Points spread 10 : 3 : 0.01 along three orthonormal axes of R⁴, offset by a mean.
        let n = 400, axes: [[Float]] = [[0.6, 0.8, 0, 0], [0, 0, 1, 0], [0.8, -0.6, 0, 0]]
        let scales: [Float] = [10, 3, 0.01], mean: [Float] = [1, -2, 3, 0.5]
        var rng = PhiloxRandom(seed: 4)
        let z = try rng.normal(shape: [n, 3]).scalars
        var x = [Float](repeating: 0, count: n * 4)
        for i in 0..<n {
            for j in 0..<4 {
                x[i * 4 + j] = mean[j] + (0..<3).reduce(0) { $0 + z[i * 3 + $1] * scales[$1] * axes[$1][j] }
            }
        }
        let data = try Tensor(shape: [n, 4], scalars: x)
        let pca = try EmbeddingPCA(fitting: data)
        #expect(pca.componentCount == 2)  // the third axis holds ~1e-6 of the variance
        #expect(pca.explainedFraction >= 0.99)
        for c in 0..<2 {
            let dot = (0..<4).reduce(Float(0)) { $0 + pca.components[c * 4 + $1] * axes[c][$1] }
            #expect(abs(abs(dot) - 1) < 1e-3)
        }
        #expect(abs(pca.variances[0] / 100 - 1) < 0.2 && abs(pca.variances[1] / 9 - 1) < 0.2)
        let back = try pca.inverseTransform(pca.transform(data)).scalars
        let worst = zip(back, x).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 0.1)  // only the 0.01-scale axis is lost

        let capped = try EmbeddingPCA(fitting: data, varianceFraction: 1, maxComponents: 1)
        #expect(capped.componentCount == 1)
        let all = try EmbeddingPCA(fitting: data, varianceFraction: 1, maxComponents: 319)
        #expect(all.componentCount == 3)  // the data has rank 3: three components already hold it all
        let exact = try all.inverseTransform(all.transform(data)).scalars
        #expect((zip(exact, x).map { abs($0 - $1) }.max() ?? 1) < 1e-3)
    }

    @Test func quantizerRoundTripIsWithinHalfABucket() throws {
        let q = try UniformQuantizer(low: [-2, 0], high: [2, 10], buckets: 1024)
        var rng = PhiloxRandom(seed: 5)
        let u = try rng.uniform(shape: [1000, 2]).scalars
        let values = u.enumerated().map { $0.offset % 2 == 0 ? -2 + 4 * $0.element : 10 * $0.element }
        let codes = q.encode(values)
        #expect(codes.allSatisfy { (0..<1024).contains($0) })
        let back = q.decode(codes)
        for (i, (a, b)) in zip(values, back).enumerated() {
            let half: Float = i % 2 == 0 ? 2 / 1024 : 5 / 1024
            #expect(abs(a - b) <= half * 1.0001)
        }
        #expect(q.code(-100, channel: 0) == 0 && q.code(100, channel: 0) == 1023)
        #expect(q.code(.infinity, channel: 1) == 1023 && q.code(.nan, channel: 1) == 0)
        #expect(q.value(5000, channel: 0) == q.value(1023, channel: 0))
        #expect(throws: PriorError.self) { try UniformQuantizer(low: [1], high: [1], buckets: 4) }
    }

    @Test func codebookRoundTripAndFile() throws {
        let data = try ARFixtures.data(count: 200)
        var c = ARFixtures.configuration(buckets: 1024)
        let codebook = try ARPriorCodebook(fitting: data.textEmbeddings, images: data.imageEmbeddings, configuration: c)
        c.components = codebook.pca.componentCount
        let codes = try codebook.encode(images: data.imageEmbeddings)
        #expect(codes.count == 200 * c.components)
        let cosines = try ARPriorCodebook.cosines(codebook.decode(codes), data.imageEmbeddings)
        #expect(cosines.reduce(0, +) / Float(cosines.count) > 0.99)
        #expect(zip(codebook.dotQuantiles, codebook.dotQuantiles.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(codebook.dotQuantile(0.5) >= codebook.dotQuantiles[0])

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ar-codebook-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try codebook.weightFile().write(to: dir + "/codebook.safetensors")
        let loaded = try ARPriorCodebook(contentsOf: dir + "/codebook.safetensors", configuration: c)
        #expect(try loaded.encode(images: data.imageEmbeddings) == codes)
        var wrong = c
        wrong.components = c.components == 1 ? 2 : c.components - 1
        #expect(throws: PriorError.self) {
            try ARPriorCodebook(contentsOf: dir + "/codebook.safetensors", configuration: wrong)
        }
    }
}
