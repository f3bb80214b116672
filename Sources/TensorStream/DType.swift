/// A tensor element type, spelled as safetensors spells it in the header.
public enum DType: String, Sendable, CaseIterable {
    case bool = "BOOL"
    case u8 = "U8"
    case i8 = "I8"
    case u16 = "U16"
    case i16 = "I16"
    case u32 = "U32"
    case i32 = "I32"
    case u64 = "U64"
    case i64 = "I64"
    case f16 = "F16"
    case bf16 = "BF16"
    case f32 = "F32"
    case f64 = "F64"
    /// 8-bit float, 4 exponent bits, 3 mantissa bits, no infinities (the "fn" variant).
    case f8E4M3 = "F8_E4M3"
    /// 8-bit float, 5 exponent bits, 2 mantissa bits (the top byte of an F16).
    case f8E5M2 = "F8_E5M2"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8, .f8E4M3, .f8E5M2: 1
        case .u16, .i16, .f16, .bf16: 2
        case .u32, .i32, .f32: 4
        case .u64, .i64, .f64: 8
        }
    }

    /// Whether the elements are integers (BOOL counts as an integer type: 0 or 1).
    public var isInteger: Bool {
        switch self {
        case .bool, .u8, .i8, .u16, .i16, .u32, .i32, .u64, .i64: true
        case .f16, .bf16, .f32, .f64, .f8E4M3, .f8E5M2: false
        }
    }
}
