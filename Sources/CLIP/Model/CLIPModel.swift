import Foundation
import NN

// Follows Hugging Face transformers' CLIPModel key layout.

/// Both towers and the learned temperature. Keys: `text_model.*`, `text_projection.weight`, `vision_model.*`,
/// `visual_projection.weight`, `logit_scale` (a scalar, ln of the scale; only when both towers are present).
/// Either tower may be absent (a text-only or image-only stage loads only what it needs).
public final class CLIPModel: Module {
    public let text: CLIPTextEncoder?
    public let image: CLIPImageEncoder?
    public let logitScale: Variable?
    public let configuration: CLIPConfiguration

    override public var checkpointKeys: [String: String] { ["text": "", "image": ""] }

    public init(_ c: CLIPConfiguration) throws {
        text = try c.text.map(CLIPTextEncoder.init)
        image = try c.vision.map(CLIPImageEncoder.init)
        logitScale =
            c.text != nil && c.vision != nil ? Variable(try Tensor(repeating: c.logitScaleInit, shape: [])) : nil
        configuration = c
    }

    /// exp(`logit_scale`), the multiplier of cosine similarities (1/0.07 at initialisation, about 100 trained).
    public var scale: Float { Foundation.exp(logitScale?.value[flat: 0] ?? configuration.logitScaleInit) }
}
