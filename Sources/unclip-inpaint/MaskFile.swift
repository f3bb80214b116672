import Imaging
import StageKit
import TensorCore

/// A mask drawn as an image file (PNG or JPEG): white (grey level ≥ ½) marks the region to regenerate.
enum MaskFile {
    /// The mask `[batch, 1, height, width]` read from `path`. A file of another size is brought to the image's
    /// the way `unclip-png --size` brings the photo (short side resized, centre crop), so a mask painted over the
    /// original photo lines up with its resized frame.
    static func tensor(path: String, batch: Int, height: Int, width: Int) throws -> Tensor {
        var planar: PlanarImage
        do {
            planar = PlanarImage(try ImageDecoder.decode(try readFile(path, limit: 1 << 28), source: path).grey())
            if planar.height != height || planar.width != width {
                guard height == width else {
                    throw StageError(
                        "mask \(path) is \(planar.width)x\(planar.height) but the image is \(width)x\(height)")
                }
                planar = try planar.resizedAndCropped(to: height)
            }
        } catch let error as ImagingError {
            throw StageError("mask \(path): \(error)")
        }
        // The first plane (PlanarImage replicates grey); values in [-1, 1], so ≥ 0 is a grey level ≥ ½.
        let plane = planar.values.prefix(height * width).map { $0 >= 0 ? Float(1) : 0 }
        guard plane.contains(1) else { throw StageError("mask \(path) has no white pixel: nothing to regenerate") }
        return try Tensor(
            shape: [batch, 1, height, width], scalars: Array([[Float]](repeating: plane, count: batch).joined()))
    }
}
