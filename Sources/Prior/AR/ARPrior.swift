import Foundation
import NN

/// A complete autoregressive prior: the transformer and the codebook that maps embeddings to its tokens. A model
/// folder holds `config.json` (`ARPriorConfiguration`), `model.safetensors` (the transformer's parameters, keyed
/// by their module paths) and `codebook.safetensors` (`ARPriorCodebook`).
public final class ARPrior {
    /// The weight file name inside a model folder.
    public static let weightFileName = "model.safetensors"

    /// The network.
    public let transformer: ARPriorTransformer
    /// PCA, quantisers and cosine quantiles.
    public let codebook: ARPriorCodebook
    /// The hyper-parameters (the transformer's).
    public var configuration: ARPriorConfiguration { transformer.configuration }

    /// A prior from its parts; the codebook must match the configuration.
    public init(transformer: ARPriorTransformer, codebook: ARPriorCodebook) throws {
        let c = transformer.configuration
        guard codebook.pca.componentCount == c.components, codebook.pca.dimension == c.embeddingDim,
            codebook.codes.buckets == c.codeBuckets, codebook.dot.buckets == c.dotBuckets
        else {
            throw PriorError.badConfig(
                path: "config.json", key: "components",
                reason:
                    "codebook has \(codebook.pca.componentCount) components of width \(codebook.pca.dimension), "
                    + "\(codebook.codes.buckets) code buckets; config says \(c.components), \(c.embeddingDim), "
                    + "\(c.codeBuckets)")
        }
        self.transformer = transformer
        self.codebook = codebook
    }

    /// Loads a model folder strictly: a missing, unused or mis-shaped key is an error naming it.
    public convenience init(directory: String) throws {
        let configuration = try ARPriorConfiguration(contentsOf: directory + "/config.json")
        let transformer = try ARPriorTransformer(configuration)
        let path = directory + "/" + Self.weightFileName
        let file: WeightFile
        do {
            file = try WeightFile(contentsOf: path)
        } catch {
            throw PriorError.badModelFile(path: path, reason: "\(error)")
        }
        try transformer.load(file.tensors, keyMap: KeyMap(), strict: true)
        let codebook = try ARPriorCodebook(
            contentsOf: directory + "/" + ARPriorCodebook.fileName, configuration: configuration)
        try self.init(transformer: transformer, codebook: codebook)
    }

    /// Writes the model folder (created when missing).
    public func save(to directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw PriorError.badModelFile(path: directory, reason: "cannot create: \(error.localizedDescription)")
        }
        try configuration.write(to: directory + "/config.json")
        try transformer.save(to: directory + "/" + Self.weightFileName)
        try codebook.weightFile().write(to: directory + "/" + ARPriorCodebook.fileName)
    }
}
