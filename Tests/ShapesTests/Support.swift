@testable import Shapes

/// FNV-1a over bytes: a stable golden hash for renders.
func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01B3
    }
    return hash
}

/// Box-downsamples an interleaved RGB float image by an integer factor.
func boxDownsample(_ pixels: [Float], size: Int, factor: Int) -> [Float] {
    let out = size / factor
    var result = [Float](repeating: 0, count: out * out * 3)
    for y in 0..<out {
        for x in 0..<out {
            for c in 0..<3 {
                var sum: Float = 0
                for dy in 0..<factor {
                    for dx in 0..<factor { sum += pixels[((y * factor + dy) * size + x * factor + dx) * 3 + c] }
                }
                result[(y * out + x) * 3 + c] = sum / Float(factor * factor)
            }
        }
    }
    return result
}
