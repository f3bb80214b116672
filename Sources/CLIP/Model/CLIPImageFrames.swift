import NN
import TensorStream

/// The `unclip-image` step: adds `image.embed` F32 [B, D] for the frame's image tensor.
public struct CLIPImageFrames {
    public let encoder: CLIPImageEncoder
    public let preprocessor: CLIPPreprocessor

    public init(encoder: CLIPImageEncoder) {
        self.encoder = encoder
        preprocessor = CLIPPreprocessor(size: encoder.configuration.imageSize)
    }

    /// Reads `tensor` ([B, 3, H, W] in [-1, 1], any float dtype), preprocesses, encodes and stores `image.embed`.
    /// Errors name the tensor.
    public func addEmbeddings(to frame: inout Frame, tensor name: String = "image") throws {
        guard let blob = frame[name] else { throw CLIPError.badInput("no '\(name)' tensor") }
        do {
            let pixels = try preprocessor.pixels(batch: Tensor(blob))  // [B, 3, S, S]
            frame["image.embed"] = try encoder.encode(pixels: pixels).embeds.value.blob()  // [B, D]
        } catch {
            throw CLIPError.badInput("tensor '\(name)': \(error)")
        }
    }
}
