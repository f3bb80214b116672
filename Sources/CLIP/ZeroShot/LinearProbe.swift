import TensorStream

/// A linear probe: a multinomial logistic-regression head on L2-normalised CLIP image embeddings.
///
/// Saved as one safetensors file: `probe.weight` F32 [K, D], `probe.bias` F32 [K], metadata `labels` (JSON array
/// of the K class names), `probe` (what the head expects) and `l2` (the penalty it was fitted with).
public struct LinearProbe: Sendable {
    /// The K class names.
    public let classNames: [String]
    /// `[K, D]`.
    public let weights: FeatureRows
    /// `[K]`.
    public let bias: [Double]
    /// The L2 penalty of the fit (recorded for provenance).
    public let l2: Double

    /// The value of the file's `probe` metadata key.
    public static let kind = "logistic-regression on L2-normalised image.embed"

    public init(classNames: [String], weights: FeatureRows, bias: [Double], l2: Double) throws {
        try ClassNames.validate(classNames)
        guard weights.count == classNames.count, bias.count == classNames.count else {
            throw CLIPError.badInput(
                "a probe of \(classNames.count) classes needs \(classNames.count) weight rows and biases, "
                    + "not \(weights.count) and \(bias.count)")
        }
        guard bias.allSatisfy(\.isFinite) else { throw CLIPError.badInput("probe bias holds NaN or infinity") }
        self.classNames = classNames
        self.weights = weights
        self.bias = bias
        self.l2 = l2
    }

    /// Fits a probe to labelled features; `trainer` sets the penalty and stopping rule.
    public static func fit(_ examples: ProbeExamples, trainer: LogisticRegression) throws -> (
        probe: LinearProbe, fit: LogisticRegression.Fit
    ) {
        let features = try examples.features()
        let names = examples.classNames
        let fit = try trainer.fit(
            features: features.normalized(), labels: examples.labelIndices, classCount: names.count)
        let weights = try FeatureRows(count: names.count, width: features.width, values: fit.weights)
        return (try LinearProbe(classNames: names, weights: weights, bias: fit.bias, l2: trainer.l2), fit)
    }

    /// The logits `[B, K]` for image embeddings `[B, D]` (normalised here).
    public func logits(_ images: FeatureRows) throws -> [Double] {
        guard images.width == weights.width else {
            throw CLIPError.badInput("image embeddings are \(images.width)-wide but the probe takes \(weights.width)")
        }
        let unit = images.normalized()
        var out: [Double] = []
        for i in 0..<unit.count {
            for k in 0..<classNames.count { out.append(unit.dot(i, weights, k) + bias[k]) }
        }
        return out
    }

    /// Class probabilities for image embeddings `[B, D]`.
    public func classify(_ images: FeatureRows) throws -> Classification {
        try Classification(logits: logits(images), classNames: classNames)
    }

    /// The probe as a frame (write it with `Frame.write(to:)`).
    public func frame() throws -> Frame {
        var frame = Frame(metadata: ["probe": Self.kind, "l2": "\(l2)"])
        frame["probe.weight"] = try weights.blob()
        frame["probe.bias"] = try .float32(shape: [bias.count], bias.map(Float.init))
        frame.setMetadataList(classNames, for: "labels")
        return frame
    }

    /// Reads a probe saved by ``frame()``; errors name `source` and what is wrong.
    public init(frame: Frame, source: String) throws {
        do {
            guard let names = try frame.metadataList("labels") else {
                throw CLIPError.badInput("no 'labels' metadata (the class names)")
            }
            let weights = try FeatureRows(try frame.tensor("probe.weight"), name: "probe.weight")
            let biasBlob = try frame.tensor("probe.bias")
            guard biasBlob.shape.count == 1, !biasBlob.dtype.isInteger else {
                throw CLIPError.badInput("tensor 'probe.bias' is \(biasBlob.shape), expected float [K]")
            }
            try self.init(
                classNames: names, weights: weights, bias: try biasBlob.floats().map(Double.init),
                l2: Double(frame.metadata["l2"] ?? "") ?? 0)
        } catch {
            throw CLIPError.badInput("\(source): not a linear probe: \(error)")
        }
    }
}
