// Conversions between TensorBlob bytes and Swift arrays. All data is little-endian on the wire; the loads below
// assume a little-endian host (every platform Swift targets today) and tolerate unaligned data.

extension TensorBlob {
    /// Wraps the values of a homogeneous array as a tensor of `dtype`.
    static func from<T: FixedWidthInteger>(_ values: [T], dtype: DType, shape: [Int]) throws -> TensorBlob {
        guard let sizes = sizes(dtype: dtype, shape: shape), sizes.elements == values.count else {
            throw TensorStreamError.invalidTensor(reason: "shape \(shape) does not hold \(values.count) values")
        }
        return try TensorBlob(dtype: dtype, shape: shape) { destination in
            values.withUnsafeBytes { destination.copyMemory(from: $0) }
        }
    }

    /// A float32 tensor; throws unless `values.count` equals the product of `shape`.
    public static func float32(shape: [Int], _ values: [Float]) throws -> TensorBlob {
        try from(values.map(\.bitPattern), dtype: .f32, shape: shape)
    }

    /// A float64 tensor; throws unless `values.count` equals the product of `shape`.
    public static func float64(shape: [Int], _ values: [Double]) throws -> TensorBlob {
        try from(values.map(\.bitPattern), dtype: .f64, shape: shape)
    }

    /// An int32 tensor; throws unless `values.count` equals the product of `shape`.
    public static func int32(shape: [Int], _ values: [Int32]) throws -> TensorBlob {
        try from(values, dtype: .i32, shape: shape)
    }

    /// An int64 tensor; throws unless `values.count` equals the product of `shape`.
    public static func int64(shape: [Int], _ values: [Int64]) throws -> TensorBlob {
        try from(values, dtype: .i64, shape: shape)
    }

    /// A uint8 tensor; throws unless `values.count` equals the product of `shape`.
    public static func uint8(shape: [Int], _ values: [UInt8]) throws -> TensorBlob {
        try from(values, dtype: .u8, shape: shape)
    }

    /// A BOOL tensor (one byte per element, 0 or 1); throws unless `values.count` equals the product of `shape`.
    public static func bool(shape: [Int], _ values: [Bool]) throws -> TensorBlob {
        try from(values.map { $0 ? UInt8(1) : 0 }, dtype: .bool, shape: shape)
    }

    /// The elements as `Float`, converted from any dtype: floats are widened or rounded to nearest, integers are
    /// rounded to the nearest `Float`, and BOOL gives 0 or 1 (any non-zero byte is true).
    public func floats() throws -> [Float] {
        withUnsafeBytes { raw in
            let n = elementCount
            func map<T>(_ type: T.Type, _ convert: (T) -> Float) -> [Float] {
                [Float](unsafeUninitializedCapacity: n) { out, count in
                    for i in 0..<n {
                        out[i] = convert(raw.loadUnaligned(fromByteOffset: i &* MemoryLayout<T>.size, as: T.self))
                    }
                    count = n
                }
            }
            switch dtype {
            case .f32:
                return [Float](unsafeUninitializedCapacity: n) { out, count in
                    if n > 0, let source = raw.baseAddress, let target = out.baseAddress {
                        UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: n &* 4)
                    }
                    count = n
                }
            case .f64: return map(UInt64.self) { Float(Double(bitPattern: $0)) }
            case .f16: return map(UInt16.self) { Self.floatFromHalf($0) }
            case .bf16: return map(UInt16.self) { Float(bitPattern: UInt32($0) << 16) }
            case .f8E5M2: return map(UInt8.self) { Self.floatFromHalf(UInt16($0) << 8) }
            case .f8E4M3: return map(UInt8.self) { Self.floatFromE4M3($0) }
            case .bool: return map(UInt8.self) { $0 == 0 ? 0 : 1 }
            case .u8: return map(UInt8.self) { Float($0) }
            case .i8: return map(Int8.self) { Float($0) }
            case .u16: return map(UInt16.self) { Float($0) }
            case .i16: return map(Int16.self) { Float($0) }
            case .u32: return map(UInt32.self) { Float($0) }
            case .i32: return map(Int32.self) { Float($0) }
            case .u64: return map(UInt64.self) { Float($0) }
            case .i64: return map(Int64.self) { Float($0) }
            }
        }
    }

    /// The elements of an integer or BOOL tensor as `Int64` (BOOL gives 0 or 1). Throws for float dtypes and for
    /// U64 values above `Int64.max`.
    public func int64s() throws -> [Int64] {
        try withUnsafeBytes { raw in
            let n = elementCount
            func map<T: FixedWidthInteger>(_ type: T.Type) -> [Int64] {
                [Int64](unsafeUninitializedCapacity: n) { out, count in
                    for i in 0..<n {
                        out[i] = Int64(
                            truncatingIfNeeded: raw.loadUnaligned(fromByteOffset: i &* MemoryLayout<T>.size, as: T.self)
                        )
                    }
                    count = n
                }
            }
            switch dtype {
            case .bool: return map(UInt8.self).map { $0 == 0 ? 0 : 1 }
            case .u8: return map(UInt8.self)
            case .i8: return map(Int8.self)
            case .u16: return map(UInt16.self)
            case .i16: return map(Int16.self)
            case .u32: return map(UInt32.self)
            case .i32: return map(Int32.self)
            case .i64: return map(Int64.self)
            case .u64:
                let values = map(UInt64.self)
                if values.contains(where: { $0 < 0 }) {
                    throw TensorStreamError.conversion(tensor: dtype, reason: "a U64 value exceeds Int64.max")
                }
                return values
            case .f16, .bf16, .f32, .f64, .f8E4M3, .f8E5M2:
                throw TensorStreamError.conversion(tensor: dtype, reason: "not an integer dtype")
            }
        }
    }

    /// The elements of an integer or BOOL tensor as `Int32`; throws for floats and values out of range.
    public func int32s() throws -> [Int32] {
        try int64s().map { value in
            guard let narrow = Int32(exactly: value) else {
                throw TensorStreamError.conversion(tensor: dtype, reason: "value \(value) does not fit in Int32")
            }
            return narrow
        }
    }

    /// The elements of a BOOL tensor; throws for any other dtype.
    public func bools() throws -> [Bool] {
        guard dtype == .bool else { throw TensorStreamError.conversion(tensor: dtype, reason: "not BOOL") }
        return withUnsafeBytes { $0.map { $0 != 0 } }
    }

    /// IEEE 754 binary16 bits to Float (exact), without relying on the `Float16` type (absent on Intel macOS).
    static func floatFromHalf(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1f
        let mantissa = UInt32(bits) & 0x3ff
        if exponent == 0x1f { return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13)) }
        if exponent != 0 { return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13)) }
        let magnitude = Float(mantissa) * (1.0 / 16_777_216.0)  // subnormal: mantissa × 2^-24
        return sign == 0 ? magnitude : -magnitude
    }

    /// F8_E4M3 (fn: bias 7, no infinities, S.1111.111 is NaN) to Float.
    static func floatFromE4M3(_ bits: UInt8) -> Float {
        let negative = bits & 0x80 != 0
        let exponent = Int((bits >> 3) & 0xf)
        let mantissa = Float(bits & 0x7)
        let magnitude: Float
        if exponent == 0xf && bits & 0x7 == 0x7 {
            return .nan
        } else if exponent == 0 {
            magnitude = mantissa / 8 * Float(sign: .plus, exponent: -6, significand: 1)
        } else {
            magnitude = (1 + mantissa / 8) * Float(sign: .plus, exponent: exponent - 7, significand: 1)
        }
        return negative ? -magnitude : magnitude
    }
}
