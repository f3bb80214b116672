import Foundation
import NN
import Prior

extension Decoder {
    /// Loads a decoder from a model folder in diffusers' unCLIP layout: `decoder/` (the UNet) and `text_proj/`
    /// (the `UnCLIPTextProjModel`), each with `config.json` and `diffusion_pytorch_model.safetensors`, loaded
    /// strictly. (The empty caption for guidance, `unconditional.safetensors`, sits next to them and is read by
    /// the stage, with the prior's convention.)
    public static func load(directory: String) throws -> Decoder {
        let folder = URL(fileURLWithPath: directory)
        for sub in ["decoder", "text_proj"] {
            let config = folder.appendingPathComponent(sub).appendingPathComponent("config.json").path
            guard FileManager.default.fileExists(atPath: config) else {
                throw UNetError.checkpoint(
                    path: directory, reason: "no \(sub)/config.json (a decoder folder holds decoder/ and text_proj/)")
            }
        }
        return try Decoder(
            unet: UNetModel.load(directory: folder.appendingPathComponent("decoder").path),
            textProjection: UnCLIPTextProjection.load(directory: folder.appendingPathComponent("text_proj").path))
    }

    /// The weight files a decoder folder's provenance digest covers, in order.
    public static func weightFiles(directory: String) -> [String] {
        ["decoder", "text_proj"].map { directory + "/" + $0 + "/" + UNetModel.weightsFileName }
    }
}

extension Decoder {
    /// A decoder model folder ready to sample: the decoder and the empty caption for guidance, read from
    /// `unconditional.safetensors` with the prior's convention (nil when the folder has none).
    public static func loadWithUnconditional(directory: String) throws -> (
        decoder: Decoder, unconditional: CaptionConditioning?
    ) {
        let decoder = try load(directory: directory)
        let unconditional = try PriorSampler.unconditional(inModelDirectory: directory).map { u in
            guard let hidden = u.hiddenStates else {
                throw UNetError.checkpoint(
                    path: directory + "/unconditional.safetensors",
                    reason: "no tensor 'text.hidden' (the decoder reads it)")
            }
            return try CaptionConditioning(embedding: u.textEmbedding, hidden: hidden, mask: u.mask)
        }
        return (decoder, unconditional)
    }
}
