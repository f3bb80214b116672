import Diffusion
import NN

extension Decoder {
    /// The decoder UNet bound to one batch's conditioning, as the samplers see it: computed once, then called at
    /// every step with the flat x_t. Under guidance it runs the unconditional and conditional rows in one batch
    /// (with a separate image scale, also the caption-only rows: null image embedding, caption).
    struct Denoiser {
        let unet: UNetModel
        let guide: ClassifierFreeGuidance
        /// `DecodingOptions.imageGuidance`: the image embedding's own scale, or nil for `guide`'s alone.
        let imageScale: Float?
        /// Rows per UNet call: B times `parts`.
        let rows: Int
        /// Blocks of B rows: 1 unguided, 2 under guidance (unconditional, conditional), 3 with `imageScale`
        /// (unconditional, caption only, conditional).
        let parts: Int
        /// `[R, K + L, C]` context tokens.
        let context: Tensor
        /// `[R, T]` additive time term (`class_labels`).
        let timeTerm: Tensor
        /// `[R, K + L]`, or nil for no mask.
        let contextMask: Tensor?

        /// The model for samples of `shape` `[B, C, H, W]`; `extraChannels` `[B, E, H, W]` (the inpainting
        /// decoder's masked image and mask) are appended to x_t on the channel axis at every call.
        func model(shape: [Int], extraChannels: Tensor?) -> DenoisingModel {
            let (unet, guide, imageScale, rows, parts) = (
                self.unet, self.guide, self.imageScale, self.rows, self.parts
            )
            let (context, timeTerm, contextMask) = (self.context, self.timeTerm, self.contextMask)
            return { flat, t in
                var x = try Tensor(shape: shape, scalars: flat)  // x: [B, C, H, W]
                if let extraChannels { x = try Tensor.concatenate([x, extraChannels], axis: 1) }  // [B, C + E, H, W]
                if parts > 1 { x = try Tensor.concatenate(Array(repeating: x, count: parts), axis: 0) }  // [R, …]
                let out = try unet.predict(
                    sample: x, timesteps: [Float(t)], context: context, contextMask: contextMask,
                    classLabels: timeTerm)  // out: [R, 2C, H, W]
                let split = try ModelOutput(splittingChannelsOf: out.scalars, batchSize: rows)
                if let imageScale { return try guide.combine(batched: split, imageScale: imageScale) }
                return parts == 2 ? try guide.combine(batched: split) : split
            }
        }
    }

    /// Projects the conditioning of a batch (see `sample` for the row layout of the text tensors).
    func denoiser(
        imageEmbedding: Tensor, textEmbedding: Tensor, textHidden: Tensor, mask: Tensor?, guidance: Float,
        imageGuidance: Float? = nil
    ) throws -> Denoiser {
        let guide = try ClassifierFreeGuidance(scale: guidance)
        if let imageGuidance, !imageGuidance.isFinite {
            throw UNetError.invalidInput(name: "image guidance", shape: [], expected: "a finite scale")
        }
        let parts = imageGuidance != nil ? 3 : guide.isActive ? 2 : 1
        guard imageEmbedding.rank == 2, imageEmbedding.shape[0] > 0 else {
            throw UNetError.invalidInput(name: "image.embed", shape: imageEmbedding.shape, expected: "[B, D]")
        }
        let d = textProjection.config.clipEmbeddingsDim
        guard imageEmbedding.shape[1] == d else {
            throw UNetError.invalidInput(
                name: "image.embed", shape: imageEmbedding.shape, expected: "[B, \(d)] (the decoder's CLIP width)")
        }
        let b = imageEmbedding.shape[0], rows = parts * b
        guard textEmbedding.rank == 2, textEmbedding.shape == [rows, d] else {
            throw UNetError.invalidInput(
                name: "text.embed", shape: textEmbedding.shape,
                expected: "[\(rows), \(d)] (unconditional rows first under guidance)")
        }
        guard textHidden.rank == 3, textHidden.shape[0] == rows, textHidden.shape[2] == d else {
            throw UNetError.invalidInput(name: "text.hidden", shape: textHidden.shape, expected: "[\(rows), L, \(d)]")
        }
        // Conditioning, computed once: context [R, K+L, C], time term [R, T], mask [R, K+L].
        let cond = try textProjection.predict(
            imageEmbedding: imageEmbedding, textEmbedding: textEmbedding, textHidden: textHidden,
            nullImageBlocks: parts - 1)
        let contextMask = try mask.map { m -> Tensor in
            guard m.shape == [rows, textHidden.shape[1]] else {
                throw UNetError.invalidInput(
                    name: "text.mask", shape: m.shape, expected: "[\(rows), \(textHidden.shape[1])]")
            }
            return try textProjection.contextMask(textMask: m)
        }
        return Denoiser(
            unet: unet, guide: guide, imageScale: imageGuidance, rows: rows, parts: parts, context: cond.context,
            timeTerm: cond.timeEmbedding, contextMask: contextMask)
    }
}
