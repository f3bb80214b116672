import Foundation
import NN

/// unCLIP's decoder conditioning: turns a CLIP image embedding and the caption's CLIP encodings into the
/// decoder's additive time term and its context tokens. Follows diffusers' UnCLIPTextProjModel.
///
/// - time term = `embedding_proj(text embedding) + clip_image_embeddings_project_to_time_embeddings(image)`,
///   passed to the UNet as `classLabels`;
/// - context = [K tokens from `clip_extra_context_tokens_proj(image)`, read channel-major: flat index = c·K + k;
///   then the text hidden states through `encoder_hidden_states_proj` and a LayerNorm].
/// With classifier-free guidance the batch is [unconditional, conditional]: the unconditional image embedding
/// is the learned `learned_classifier_free_guidance_embeddings`.
public final class UnCLIPTextProjection: Module {
    public let config: TextProjectionConfig

    let learnedClassifierFreeGuidanceEmbeddings: Variable
    let embeddingProj: Linear
    let clipImageEmbeddingsProjectToTimeEmbeddings: Linear
    let clipExtraContextTokensProj: Linear
    let encoderHiddenStatesProj: Linear
    let textEncoderHiddenStatesNorm: NN.LayerNorm

    /// A zero-initialised model (as diffusers, the null embedding starts at zero).
    public init(config: TextProjectionConfig) throws {
        self.config = config
        let d = config.clipEmbeddingsDim, c = config.crossAttentionDim
        learnedClassifierFreeGuidanceEmbeddings = Variable(try Tensor(untouchedZeros: [d]))
        embeddingProj = try Linear(d, config.timeEmbedDim)
        clipImageEmbeddingsProjectToTimeEmbeddings = try Linear(d, config.timeEmbedDim)
        clipExtraContextTokensProj = try Linear(d, config.clipExtraContextTokens * c)
        encoderHiddenStatesProj = try Linear(d, c)
        textEncoderHiddenStatesNorm = try NN.LayerNorm(c)
    }

    /// The conditioning for a decoder batch.
    ///
    /// - Parameters:
    ///   - imageEmbedding: `[B, D]`.
    ///   - textEmbedding: `[R, D]` pooled CLIP text embeddings; R = 2B with guidance (unconditional rows, i.e. the
    ///     empty caption's, first), else B.
    ///   - textHidden: `[R, L, D]` CLIP last hidden states.
    ///   - classifierFreeGuidance: prepend the learned null image embedding for the unconditional half.
    /// - Returns: context `[R, K + L, C]` and the additive time term `[R, T]`.
    public func callAsFunction(
        imageEmbedding: Variable, textEmbedding: Variable, textHidden: Variable, classifierFreeGuidance: Bool,
        tape: Tape
    ) throws -> (context: Variable, timeEmbedding: Variable) {
        try self(
            imageEmbedding: imageEmbedding, textEmbedding: textEmbedding, textHidden: textHidden,
            nullImageBlocks: classifierFreeGuidance ? 1 : 0, tape: tape)
    }

    /// The same with `nullImageBlocks` blocks of B rows of the learned null image embedding before the B image
    /// embeddings (R = (nullImageBlocks + 1)·B text rows): 1 for classifier-free guidance, 2 for separate caption
    /// and image scales (`DecodingOptions.imageGuidance`).
    public func callAsFunction(
        imageEmbedding: Variable, textEmbedding: Variable, textHidden: Variable, nullImageBlocks: Int, tape: Tape
    ) throws -> (context: Variable, timeEmbedding: Variable) {
        let d = config.clipEmbeddingsDim
        guard imageEmbedding.shape.count == 2, imageEmbedding.shape[1] == d, imageEmbedding.shape[0] > 0 else {
            throw UNetError.invalidInput(name: "image_embeddings", shape: imageEmbedding.shape, expected: "[B, \(d)]")
        }
        let b = imageEmbedding.shape[0], rows = (nullImageBlocks + 1) * b
        guard textEmbedding.shape == [rows, d] else {
            throw UNetError.invalidInput(name: "prompt_embeds", shape: textEmbedding.shape, expected: "[\(rows), \(d)]")
        }
        guard textHidden.shape.count == 3, textHidden.shape[0] == rows, textHidden.shape[2] == d else {
            throw UNetError.invalidInput(
                name: "text_encoder_hidden_states", shape: textHidden.shape, expected: "[\(rows), L, \(d)]")
        }
        var image = imageEmbedding
        if nullImageBlocks > 0 {
            let null = try tape.reshape(learnedClassifierFreeGuidanceEmbeddings, [1, d])
            image = try tape.concatenate(
                Array(repeating: null, count: nullImageBlocks * b) + [imageEmbedding], axis: 0)  // [R, D]
        }
        return try project(image: image, textEmbedding: textEmbedding, textHidden: textHidden, tape: tape)
    }

    /// The conditioning for a training batch in which each row may drop its image embedding for the learned null
    /// embedding (classifier-free guidance training: unCLIP drops it 10% of the time).
    ///
    /// - Parameters:
    ///   - imageEmbedding: `[B, D]` (a constant: CLIP is frozen).
    ///   - dropsImage: B flags; a true row uses `learned_classifier_free_guidance_embeddings` instead.
    ///   - textEmbedding, textHidden: `[B, D]`, `[B, L, D]` (a dropped caption is the empty caption's rows).
    /// - Returns: context `[B, K + L, C]` and the additive time term `[B, T]`.
    public func callAsFunction(
        imageEmbedding: Tensor, dropsImage: [Bool], textEmbedding: Variable, textHidden: Variable, tape: Tape
    ) throws -> (context: Variable, timeEmbedding: Variable) {
        let d = config.clipEmbeddingsDim
        guard imageEmbedding.rank == 2, imageEmbedding.shape[1] == d, imageEmbedding.shape[0] == dropsImage.count,
            !dropsImage.isEmpty
        else {
            throw UNetError.invalidInput(
                name: "image_embeddings", shape: imageEmbedding.shape, expected: "[\(dropsImage.count), \(d)]")
        }
        let b = dropsImage.count
        guard textEmbedding.shape == [b, d] else {
            throw UNetError.invalidInput(name: "prompt_embeds", shape: textEmbedding.shape, expected: "[\(b), \(d)]")
        }
        guard textHidden.shape.count == 3, textHidden.shape[0] == b, textHidden.shape[2] == d else {
            throw UNetError.invalidInput(
                name: "text_encoder_hidden_states", shape: textHidden.shape, expected: "[\(b), L, \(d)]")
        }
        let null = try tape.reshape(learnedClassifierFreeGuidanceEmbeddings, [1, d])
        let rows = try imageEmbedding.split(sizes: Array(repeating: 1, count: b), axis: 0)
        let image = try tape.concatenate(
            zip(rows, dropsImage).map { row, drops in drops ? null : Variable.constant(row) }, axis: 0)  // [B, D]
        return try project(image: image, textEmbedding: textEmbedding, textHidden: textHidden, tape: tape)
    }

    /// image: [R, D], textEmbedding: [R, D], textHidden: [R, L, D] → context [R, K + L, C], time term [R, T]
    func project(image: Variable, textEmbedding: Variable, textHidden: Variable, tape: Tape) throws -> (
        context: Variable, timeEmbedding: Variable
    ) {
        let k = config.clipExtraContextTokens, c = config.crossAttentionDim, rows = image.shape[0]
        let time = try tape.add(
            try embeddingProj(textEmbedding, tape: tape),
            try clipImageEmbeddingsProjectToTimeEmbeddings(image, tape: tape))  // time: [R, T]
        var extra = try clipExtraContextTokensProj(image, tape: tape)  // extra: [R, K·C]
        extra = try tape.permute(try tape.reshape(extra, [rows, c, k]), [0, 2, 1])  // extra: [R, K, C]
        let text = try textEncoderHiddenStatesNorm(try encoderHiddenStatesProj(textHidden, tape: tape), tape: tape)
        let context = try tape.concatenate([extra, text], axis: 1)  // context: [R, K + L, C]
        return (context, time)
    }

    /// Inference on plain tensors; see `callAsFunction(imageEmbedding:…)`.
    public func predict(imageEmbedding: Tensor, textEmbedding: Tensor, textHidden: Tensor, classifierFreeGuidance: Bool)
        throws -> (context: Tensor, timeEmbedding: Tensor)
    {
        try predict(
            imageEmbedding: imageEmbedding, textEmbedding: textEmbedding, textHidden: textHidden,
            nullImageBlocks: classifierFreeGuidance ? 1 : 0)
    }

    /// Inference on plain tensors; see `callAsFunction(imageEmbedding:…nullImageBlocks:…)`.
    public func predict(imageEmbedding: Tensor, textEmbedding: Tensor, textHidden: Tensor, nullImageBlocks: Int)
        throws -> (context: Tensor, timeEmbedding: Tensor)
    {
        let out = try self(
            imageEmbedding: .constant(imageEmbedding), textEmbedding: .constant(textEmbedding),
            textHidden: .constant(textHidden), nullImageBlocks: nullImageBlocks, tape: Tape(recording: false))
        return (out.context.value, out.timeEmbedding.value)
    }

    /// The decoder's context mask `[R, K + L]`: K ones for the image tokens, then the text mask `[R, L]`
    /// (1 = real token).
    public func contextMask(textMask: Tensor) throws -> Tensor {
        guard textMask.rank == 2 else {
            throw UNetError.invalidInput(name: "text.mask", shape: textMask.shape, expected: "[R, L]")
        }
        let ones = try Tensor(repeating: 1, shape: [textMask.shape[0], config.clipExtraContextTokens])
        return try Tensor.concatenate([ones, textMask], axis: 1)
    }

    /// Loads a diffusers `text_proj` folder (`config.json` + `diffusion_pytorch_model.safetensors`), strictly.
    public static func load(directory: String, keyMap: KeyMap = KeyMap()) throws -> UnCLIPTextProjection {
        let folder = URL(fileURLWithPath: directory)
        let model = try UnCLIPTextProjection(
            config: try TextProjectionConfig(contentsOf: folder.appendingPathComponent("config.json").path))
        try model.load(contentsOf: folder.appendingPathComponent(UNetModel.weightsFileName).path, keyMap: keyMap)
        return model
    }
}
