import Foundation
import NN

/// A rectangular inpainting mask (`--rect x,y,w,h`): 1 inside the rectangle (regenerate), 0 outside.
public struct InpaintingMask: Equatable, Sendable {
    /// Left column, top row, width and height in pixels.
    public var x: Int, y: Int, width: Int, height: Int

    /// A rectangle; nothing is checked until `tensor` meets an image size.
    public init(x: Int, y: Int, width: Int, height: Int) {
        (self.x, self.y, self.width, self.height) = (x, y, width, height)
    }

    /// Parses `x,y,w,h` (four non-negative integers, w and h positive); nil when the text is not that.
    public init?(parsing text: String) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        guard parts.count == 4, let x = parts[0], let y = parts[1], let w = parts[2], let h = parts[3],
            x >= 0, y >= 0, w > 0, h > 0
        else { return nil }
        self.init(x: x, y: y, width: w, height: h)
    }

    /// The mask `[batch, 1, imageHeight, imageWidth]`; throws when the rectangle does not lie inside the image.
    public func tensor(batch: Int, imageHeight: Int, imageWidth: Int) throws -> Tensor {
        guard x >= 0, y >= 0, width > 0, height > 0, x + width <= imageWidth, y + height <= imageHeight else {
            throw UNetError.invalidValue(
                name: "rect \(x),\(y),\(width),\(height)",
                reason: "does not lie inside the \(imageWidth)×\(imageHeight) image")
        }
        var mask = [Float](repeating: 0, count: batch * imageHeight * imageWidth)
        for item in 0..<batch {
            for row in y..<(y + height) {
                let start = (item * imageHeight + row) * imageWidth + x
                for i in start..<(start + width) { mask[i] = 1 }
            }
        }
        return try Tensor(shape: [batch, 1, imageHeight, imageWidth], scalars: mask)
    }
}
