import TensorStream

/// Serialises a tensor as a NumPy `.npy` file (format version 1.0, C order, little-endian).
public enum NumpyArray {
    public static func encode(_ tensor: TensorBlob) -> [UInt8] {
        let descr: String
        switch tensor.dtype {
        case .bool: descr = "|b1"
        case .u8: descr = "|u1"
        case .i8: descr = "|i1"
        case .u16: descr = "<u2"
        case .i16: descr = "<i2"
        case .u32: descr = "<u4"
        case .i32: descr = "<i4"
        case .u64: descr = "<u8"
        case .i64: descr = "<i8"
        case .f16: descr = "<f2"
        case .f32: descr = "<f4"
        case .f64: descr = "<f8"
        // NumPy has no bfloat16: export its bit patterns as uint16 (lossless; view them as bfloat16 elsewhere).
        case .bf16: descr = "<u2"
        // Likewise for the 8-bit floats: their raw bytes as uint8.
        case .f8E4M3, .f8E5M2: descr = "|u1"
        }
        let shape: String
        switch tensor.shape.count {
        case 0: shape = "()"
        case 1: shape = "(\(tensor.shape[0]),)"
        default: shape = "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        // Magic (6) + version (2) + length (2) + header + newline is padded to a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = header.utf8.count
        out += [UInt8(length & 0xFF), UInt8(length >> 8)]
        out += Array(header.utf8)
        tensor.withUnsafeBytes { out += $0 }
        return out
    }
}
