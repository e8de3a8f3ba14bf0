import BigInt

/// Conversion between decimal digits and unbounded natural numbers in better than quadratic
/// time.
///
/// Converting digit by digit (or one machine word of digits at a time) costs O(n²) for n
/// digits: 800,000 digits took seconds. Here both directions divide and conquer around powers
/// 10^(19·2^k): reading multiplies the value of the high digits by such a power and adds the
/// low digits; printing divides by one and prints quotient and remainder. The multiplication
/// is Karatsuba's, and division uses a reciprocal computed by Newton's iteration, so both
/// directions cost O(M(n)) = O(n^1.585): the levels of the recursion shrink geometrically.
///
/// Numbers are little-endian arrays of machine words with no high zero words.
enum DecimalConversion {
    typealias Word = UInt

    /// Decimal digits that always fit in one word, and 10 to that power.
    static let chunkDigits = 19
    static let chunkBase: Word = Word(truncatingIfNeeded: 10_000_000_000_000_000_000 as UInt64)

    /// The arithmetic below assumes 64-bit words (BigUInt's words are `UInt`); elsewhere,
    /// BigInt's own (quadratic) conversions are used.
    static var hasWideWords: Bool { Word.bitWidth == 64 }

    /// Below this many words, schoolbook conversion (quadratic, but with a small constant) wins.
    static let schoolbookConversionWords = 24

    // MARK: - Public entry points (for SignedInteger)

    /// The value of `digits`, ASCII `0`…`9` only (checked by the caller).
    static func value(ofDecimal digits: UnsafeBufferPointer<UInt8>) -> BigUInt {
        guard hasWideWords else { return BigUInt(String(decoding: digits, as: UTF8.self), radix: 10) ?? 0 }
        var powers = PowerTable()
        return BigUInt(words: parse(digits, &powers))
    }

    /// The decimal digits of `value`, with no sign and no leading zeros ("0" for zero).
    static func decimalString(_ value: BigUInt) -> String {
        guard hasWideWords else { return String(value, radix: 10) }
        let words = Natural.trimmed(Array(value.words))
        if words.isEmpty { return "0" }
        var out: [UInt8] = []
        // log10(2^64) < 19.27: a slight overestimate of the length.
        out.reserveCapacity(words.count * 20 + 1)
        var powers = PowerTable()
        // A level whose power squared exceeds the value: a power of b bits squared is at least
        // 2^(2b−2).
        var level = 0
        while 2 * (Natural.bitWidth(powers.power(level)) - 1) < Natural.bitWidth(words) { level += 1 }
        emit(words, level: level, pad: false, &powers, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - Reading

    /// Digits → words, splitting off 19·2^k low digits and recursing.
    private static func parse(_ digits: UnsafeBufferPointer<UInt8>, _ powers: inout PowerTable) -> [Word] {
        if digits.count <= schoolbookConversionWords * chunkDigits { return parseSchoolbook(digits) }
        // The largest k with 19·2^k ≤ count/2: the low part is a power's length, and between
        // a quarter and a half of the digits, so the power needed is at most half as long as
        // the number. (The longest such low part could need a power as long as the number.)
        var level = 0
        while chunkDigits << (level + 1) <= digits.count / 2 { level += 1 }
        let split = digits.count - (chunkDigits << level)
        let high = parse(UnsafeBufferPointer(rebasing: digits[..<split]), &powers)
        let low = parse(UnsafeBufferPointer(rebasing: digits[split...]), &powers)
        var result = Natural.multiply(high, powers.power(level))
        Natural.add(low, into: &result, at: 0)
        return result
    }

    private static func parseSchoolbook(_ digits: UnsafeBufferPointer<UInt8>) -> [Word] {
        var result: [Word] = []
        result.reserveCapacity(digits.count / chunkDigits + 1)
        var i = 0
        // The first chunk takes the odd digits, so that the others are full. (It is added to
        // zero, so multiplying by the base first does no harm.)
        var chunk = digits.count % chunkDigits
        if chunk == 0 { chunk = chunkDigits }
        while i < digits.count {
            var word: Word = 0
            for k in i..<(i + chunk) { word = word &* 10 &+ Word(digits[k] &- UInt8(ascii: "0")) }
            Natural.multiplyAdd(&result, by: chunkBase, adding: word)
            i += chunk
            chunk = chunkDigits
        }
        return Natural.trimmed(result)
    }

    // MARK: - Printing

    /// Appends the digits of `x` (which is less than the level's power squared); with `pad`,
    /// exactly 19·2^(level+1) of them, with leading zeros.
    private static func emit(_ x: [Word], level: Int, pad: Bool, _ powers: inout PowerTable, into out: inout [UInt8]) {
        let width = chunkDigits << (level + 1)
        if powers.power(level).count < schoolbookConversionWords / 2 {
            emitSchoolbook(x, width: pad ? width : nil, into: &out)
            return
        }
        let (quotient, remainder) = powers.divide(x, level: level)
        if pad || !quotient.isEmpty {
            emit(quotient, level: level - 1, pad: pad, &powers, into: &out)
        }
        emit(remainder, level: level - 1, pad: pad || !quotient.isEmpty, &powers, into: &out)
    }

    /// Repeated division by 10^19: quadratic, for small numbers.
    private static func emitSchoolbook(_ x: [Word], width: Int?, into out: inout [UInt8]) {
        var n = x
        var chunks: [Word] = []
        while !n.isEmpty { chunks.append(Natural.divide(&n, byWord: chunkBase)) }
        let start = out.count
        if let last = chunks.popLast() { emitWord(last, width: nil, into: &out) }
        for chunk in chunks.reversed() { emitWord(chunk, width: chunkDigits, into: &out) }
        if let width {
            let written = out.count - start
            if written < width {
                out.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - written), at: start)
            }
        }
    }

    /// Appends a word's digits, zero-padded to `width` when given.
    private static func emitWord(_ word: Word, width: Int?, into out: inout [UInt8]) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        var count = 0
        var w = word
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: w % 10)
                w /= 10
                count += 1
            } while w != 0
            if let width {
                while count < width {
                    buffer[count] = UInt8(ascii: "0")
                    count += 1
                }
            }
            for k in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[k]) }
        }
    }

    // MARK: - Powers of ten

    /// 10^(19·2^k) for the levels used so far, with their reciprocals.
    struct PowerTable {
        private var powers: [[Word]] = []
        private var reciprocals: [Int: (value: [Word], bits: Int)] = [:]

        /// 10^(19·2^level).
        mutating func power(_ level: Int) -> [Word] {
            if powers.isEmpty { powers.append([DecimalConversion.chunkBase]) }
            while powers.count <= level {
                let last = powers[powers.count - 1]
                powers.append(Natural.multiply(last, last))
            }
            return powers[level]
        }

        /// `x` divided by the level's power, for `x` less than that power squared.
        mutating func divide(_ x: [Word], level: Int) -> (quotient: [Word], remainder: [Word]) {
            let d = power(level)
            let bits = Natural.bitWidth(d)
            let r: [Word]
            if let known = reciprocals[level] {
                r = known.value
            } else {
                r = Natural.reciprocal(d, bits: bits)
                reciprocals[level] = (r, bits)
            }
            return Natural.divide(x, by: d, reciprocal: r, bits: bits)
        }
    }
}

/// Arithmetic on natural numbers as little-endian word arrays, trimmed of high zero words.
enum Natural {
    typealias Word = UInt

    /// Below this many words in the shorter factor, multiplication is schoolbook.
    static let karatsubaThreshold = 32
    /// Below this many bits, reciprocals are computed by (BigUInt's) long division.
    static let newtonThresholdBits = 64 * 48

    static func trimmed(_ a: [Word]) -> [Word] {
        var a = a
        trim(&a)
        return a
    }

    static func trim(_ a: inout [Word]) {
        while let last = a.last, last == 0 { a.removeLast() }
    }

    static func bitWidth(_ a: [Word]) -> Int {
        guard let last = a.last else { return 0 }
        return a.count * Word.bitWidth - last.leadingZeroBitCount
    }

    static func compare(_ a: [Word], _ b: [Word]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        var i = a.count - 1
        while i >= 0 {
            if a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
            i -= 1
        }
        return 0
    }

    /// `2^bits`.
    static func powerOfTwo(_ bits: Int) -> [Word] {
        var a = [Word](repeating: 0, count: bits / Word.bitWidth + 1)
        a[a.count - 1] = 1 << Word(bits % Word.bitWidth)
        return a
    }

    /// `a = a·m + addend`.
    static func multiplyAdd(_ a: inout [Word], by m: Word, adding addend: Word) {
        var carry = addend
        a.withUnsafeMutableBufferPointer { a in
            for i in 0..<a.count {
                let (hi, lo) = a[i].multipliedFullWidth(by: m)
                let (sum, overflow) = lo.addingReportingOverflow(carry)
                a[i] = sum
                carry = hi &+ (overflow ? 1 : 0)
            }
        }
        if carry != 0 { a.append(carry) }
    }

    /// Divides `a` in place by a single word, returning the remainder.
    static func divide(_ a: inout [Word], byWord d: Word) -> Word {
        var remainder: Word = 0
        a.withUnsafeMutableBufferPointer { a in
            var i = a.count - 1
            while i >= 0 {
                let (q, r) = d.dividingFullWidth((remainder, a[i]))
                a[i] = q
                remainder = r
                i -= 1
            }
        }
        trim(&a)
        return remainder
    }

    /// `r += b · 2^(64·shift)`, growing `r` as needed.
    static func add(_ b: [Word], into r: inout [Word], at shift: Int) {
        if b.isEmpty { return }
        if r.count < shift + b.count { r.append(contentsOf: repeatElement(0, count: shift + b.count - r.count)) }
        var carry = false
        r.withUnsafeMutableBufferPointer { r in
            b.withUnsafeBufferPointer { b in
                for i in 0..<b.count {
                    let (s1, o1) = r[shift + i].addingReportingOverflow(b[i])
                    let (s2, o2) = s1.addingReportingOverflow(carry ? 1 : 0)
                    r[shift + i] = s2
                    carry = o1 || o2
                }
                var i = shift + b.count
                while carry && i < r.count {
                    let (s, o) = r[i].addingReportingOverflow(1)
                    r[i] = s
                    carry = o
                    i += 1
                }
            }
        }
        if carry { r.append(1) }
    }

    /// `r -= b · 2^(64·shift)`, for `r` at least that large.
    static func subtract(_ b: [Word], from r: inout [Word], at shift: Int = 0) {
        var borrow = false
        r.withUnsafeMutableBufferPointer { r in
            b.withUnsafeBufferPointer { b in
                for i in 0..<b.count {
                    let (s1, o1) = r[shift + i].subtractingReportingOverflow(b[i])
                    let (s2, o2) = s1.subtractingReportingOverflow(borrow ? 1 : 0)
                    r[shift + i] = s2
                    borrow = o1 || o2
                }
                var i = shift + b.count
                while borrow && i < r.count {
                    let (s, o) = r[i].subtractingReportingOverflow(1)
                    r[i] = s
                    borrow = o
                    i += 1
                }
            }
        }
        trim(&r)
    }

    static func shiftedRight(_ a: [Word], _ bits: Int) -> [Word] {
        let words = bits / Word.bitWidth
        let shift = bits % Word.bitWidth
        if words >= a.count { return [] }
        var r = [Word](repeating: 0, count: a.count - words)
        for i in 0..<r.count {
            var w = a[i + words] >> Word(shift)
            if shift > 0 && i + words + 1 < a.count { w |= a[i + words + 1] << Word(Word.bitWidth - shift) }
            r[i] = w
        }
        trim(&r)
        return r
    }

    static func shiftedLeft(_ a: [Word], _ bits: Int) -> [Word] {
        if a.isEmpty { return [] }
        let words = bits / Word.bitWidth
        let shift = bits % Word.bitWidth
        var r = [Word](repeating: 0, count: a.count + words + 1)
        for i in 0..<a.count {
            r[i + words] |= a[i] << Word(shift)
            if shift > 0 { r[i + words + 1] = a[i] >> Word(Word.bitWidth - shift) }
        }
        trim(&r)
        return r
    }

    // MARK: Multiplication

    static func multiply(_ a: [Word], _ b: [Word]) -> [Word] {
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in multiply(a, b) } }
    }

    static func multiply(_ a: UnsafeBufferPointer<Word>, _ b: UnsafeBufferPointer<Word>) -> [Word] {
        var (a, b) = (trimmed(a), trimmed(b))
        if a.count < b.count { swap(&a, &b) }
        guard !b.isEmpty, let pa = a.baseAddress, let pb = b.baseAddress else { return [] }
        var result = [Word](repeating: 0, count: a.count + b.count)
        let scratchCount = scratchWords(a.count)
        let scratch = UnsafeMutablePointer<Word>.allocate(capacity: scratchCount)
        defer { scratch.deallocate() }
        result.withUnsafeMutableBufferPointer { r in
            guard let pr = r.baseAddress else { return }
            multiply(pa, a.count, pb, b.count, into: pr, scratch: scratch, scratchCount)
        }
        trim(&result)
        return result
    }

    /// Scratch space for ``multiply(_:_:_:_:into:scratch:)`` with a longer factor of `n` words.
    ///
    /// A Karatsuba level takes 4·(m+1) words (m = ⌈n/2⌉) for the two half sums and their
    /// product, then recurses on m+1 words above them; a lopsided product takes 2m and
    /// recurses on m. So S(n) ≤ 4(m+1) + S(m+1), about 4n plus a few words per level; this
    /// allows half as much again.
    static func scratchWords(_ n: Int) -> Int { 6 * n + 64 * (Int.bitWidth - n.leadingZeroBitCount + 2) }

    private static func trimmed(_ a: UnsafeBufferPointer<Word>) -> UnsafeBufferPointer<Word> {
        var n = a.count
        while n > 0 && a[n - 1] == 0 { n -= 1 }
        return UnsafeBufferPointer(rebasing: a[..<n])
    }

    /// `r[0 ..< an+bn] = a·b` for `an ≥ bn ≥ 1`; `r` need not be zeroed, and must not overlap
    /// the factors or `scratch`.
    private static func multiply(
        _ a: UnsafePointer<Word>, _ an: Int, _ b: UnsafePointer<Word>, _ bn: Int,
        into r: UnsafeMutablePointer<Word>, scratch: UnsafeMutablePointer<Word>, _ scratchCount: Int
    ) {
        if bn <= karatsubaThreshold {
            r.update(repeating: 0, count: an + bn)
            schoolbook(a, an, b, bn, into: r)
            return
        }
        if bn <= (an + 1) / 2 {
            // Lopsided: multiply b by pieces of a as long as b, adding each product in place.
            r.update(repeating: 0, count: an + bn)
            // Guaranteed by scratchWords; checked because overrunning would corrupt memory.
            precondition(scratchCount >= 2 * bn, "multiplication scratch space")
            let product = scratch
            var offset = 0
            while offset < an {
                let length = min(bn, an - offset)
                if length >= bn {
                    multiply(a + offset, length, b, bn, into: product, scratch: scratch + 2 * bn, scratchCount - 2 * bn)
                } else {
                    multiply(b, bn, a + offset, length, into: product, scratch: scratch + 2 * bn, scratchCount - 2 * bn)
                }
                // The sum fits in r: it is a partial sum of the full product.
                _ = addInPlace(r + offset, an + bn - offset, product, length + bn)
                offset += bn
            }
            return
        }
        // Karatsuba: a·b = z2·B^2m + z1·B^m + z0 with z1 = (a0+a1)(b0+b1) − z2 − z0.
        let m = (an + 1) / 2
        multiply(a, m, b, m, into: r, scratch: scratch, scratchCount)  // z0, in r[0 ..< 2m]
        let high = an + bn - 2 * m
        // z2, in r[2m ..< an+bn]: bn > m here, and an − m ≥ bn − m.
        multiply(a + m, an - m, b + m, bn - m, into: r + 2 * m, scratch: scratch, scratchCount)
        precondition(scratchCount >= 4 * (m + 1), "multiplication scratch space")
        let sa = scratch
        let sb = scratch + (m + 1)
        let z1 = scratch + 2 * (m + 1)
        sumOfHalves(a, m, a + m, an - m, into: sa)
        sumOfHalves(b, m, b + m, bn - m, into: sb)
        multiply(sa, m + 1, sb, m + 1, into: z1, scratch: scratch + 4 * (m + 1), scratchCount - 4 * (m + 1))
        // z1 − z0 − z2 cannot go below zero, and fits in 2m + 2 words.
        subtractInPlace(z1, 2 * (m + 1), r, 2 * m)
        subtractInPlace(z1, 2 * (m + 1), r + 2 * m, high)
        _ = addInPlace(r + m, an + bn - m, z1, 2 * (m + 1))
    }

    /// `out[0 ..< m+1] = low[0 ..< m] + high[0 ..< hn]`, for `hn ≤ m`.
    private static func sumOfHalves(
        _ low: UnsafePointer<Word>, _ m: Int, _ high: UnsafePointer<Word>, _ hn: Int, into out: UnsafeMutablePointer<Word>
    ) {
        var carry: UInt128 = 0
        for i in 0..<m {
            let t = UInt128(low[i]) &+ UInt128(i < hn ? high[i] : 0) &+ carry
            out[i] = Word(truncatingIfNeeded: t)
            carry = t &>> 64
        }
        out[m] = Word(truncatingIfNeeded: carry)
    }

    /// `r[0 ..< rn] += x[0 ..< xn]`, stopping once the carry is absorbed; returns the carry out
    /// of `r` (zero when the sum fits). Words of `x` beyond `rn` must be zero.
    @discardableResult
    private static func addInPlace(
        _ r: UnsafeMutablePointer<Word>, _ rn: Int, _ x: UnsafePointer<Word>, _ xn: Int
    ) -> Word {
        var wide: UInt128 = 0
        let n = min(rn, xn)
        for i in 0..<n {
            let t = UInt128(r[i]) &+ UInt128(x[i]) &+ wide
            r[i] = Word(truncatingIfNeeded: t)
            wide = t &>> 64
        }
        var carry = wide != 0
        var i = n
        while carry && i < rn {
            let (s, o) = r[i].addingReportingOverflow(1)
            r[i] = s
            carry = o
            i += 1
        }
        return carry ? 1 : 0
    }

    /// `r[0 ..< rn] −= x[0 ..< xn]`, for `r ≥ x` and `xn ≤ rn`.
    private static func subtractInPlace(
        _ r: UnsafeMutablePointer<Word>, _ rn: Int, _ x: UnsafePointer<Word>, _ xn: Int
    ) {
        var wide: UInt128 = 0  // 0, or all ones for a borrow
        for i in 0..<xn {
            let t = UInt128(r[i]) &- UInt128(x[i]) &+ wide
            r[i] = Word(truncatingIfNeeded: t)
            wide = UInt128(bitPattern: Int128(bitPattern: t) &>> 64)
        }
        var borrow = wide != 0
        var i = xn
        while borrow && i < rn {
            let (s, o) = r[i].subtractingReportingOverflow(1)
            r[i] = s
            borrow = o
            i += 1
        }
    }

    /// `r[0 ..< an+bn] = a·b`, for `r` zeroed.
    private static func schoolbook(
        _ a: UnsafePointer<Word>, _ an: Int, _ b: UnsafePointer<Word>, _ bn: Int, into r: UnsafeMutablePointer<Word>
    ) {
        // Two rows at a time: their carry chains are independent, so the processor overlaps
        // them (one row's chain of dependent additions limits the speed otherwise).
        var j = 0
        while j + 1 < bn {
            let m0 = UInt128(b[j])
            let m1 = UInt128(b[j + 1])
            let row = r + j
            var c0: UInt128 = 0
            var c1: UInt128 = 0
            var previous: UInt128 = 0  // a[i − 1]
            for i in 0..<an {
                let ai = UInt128(a[i])
                // Each sum is below B² (a·b + two words < B²), so none overflows.
                let t0 = ai &* m0 &+ UInt128(row[i]) &+ c0
                c0 = t0 &>> 64
                let t1 = previous &* m1 &+ (t0 & 0xFFFF_FFFF_FFFF_FFFF) &+ c1
                row[i] = Word(truncatingIfNeeded: t1)
                c1 = t1 &>> 64
                previous = ai
            }
            // row[an] and row[an + 1] are still zero.
            let t = previous &* m1 &+ c0 &+ c1
            row[an] = Word(truncatingIfNeeded: t)
            row[an + 1] = Word(truncatingIfNeeded: t &>> 64)
            j += 2
        }
        if j < bn {
            let m = UInt128(b[j])
            let row = r + j
            var carry: UInt128 = 0
            for i in 0..<an {
                let t = UInt128(a[i]) &* m &+ UInt128(row[i]) &+ carry
                row[i] = Word(truncatingIfNeeded: t)
                carry = t &>> 64
            }
            row[an] = Word(truncatingIfNeeded: carry)
        }
    }

    // MARK: Division

    /// About `2^(2·bits) / d`, within a few units, for `d` of exactly `bits` bits, by Newton's
    /// iteration: each step doubles the precision of the reciprocal of `d`'s top half.
    ///
    /// One step from an approximation with relative error ε leaves about 2^(bits+1)·ε², and
    /// with 8 guard bits that is far below one unit; the shifts that drop low bits cost less
    /// than a unit each. ``divide(_:by:reciprocal:bits:)`` corrects for what remains.
    static func reciprocal(_ d: [Word], bits n: Int) -> [Word] {
        let target = powerOfTwo(2 * n)
        if n <= newtonThresholdBits {
            return trimmed(Array((BigUInt(words: target) / BigUInt(words: d)).words))
        }
        let h = n / 2 + 8
        let rh = reciprocal(shiftedRight(d, n - h), bits: h)
        // r1 = rh·2^(n−h) ≈ 2^2n/d; r = r1 + r1·(2^2n − d·r1)/2^2n. Only the top bits of the
        // error term matter: dropping its low n − 2 bits moves r by less than one unit.
        let r1 = shiftedLeft(rh, n - h)
        let t = shiftedLeft(multiply(d, rh), n - h)
        let drop = n - 2
        var r = r1
        if compare(t, target) <= 0 {
            var e = target
            subtract(t, from: &e)
            add(shiftedRight(multiply(rh, shiftedRight(e, drop)), n + h - drop), into: &r, at: 0)
        } else {
            var e = t
            subtract(target, from: &e)
            let correction = shiftedRight(multiply(rh, shiftedRight(e, drop)), n + h - drop)
            if compare(correction, r) < 0 { subtract(correction, from: &r) } else { r = [] }
        }
        return r
    }

    /// `x / d` and `x % d` for `x < 2^(2·bits)`, given `r ≈ 2^(2·bits)/d` (see
    /// ``reciprocal(_:bits:)``).
    static func divide(_ x: [Word], by d: [Word], reciprocal r: [Word], bits n: Int) -> (quotient: [Word], remainder: [Word]) {
        // Within a few units of x/d: r is, and dropping x's low n − 1 bits costs under one.
        // A far-off estimate (never expected) falls back to long division.
        var q = shiftedRight(multiply(shiftedRight(x, n - 1), r), n + 1)
        var product = multiply(q, d)
        var steps = 0
        while compare(product, x) > 0 {
            subtract([1], from: &q)
            subtract(d, from: &product)
            steps += 1
            if steps > 64 { return exactDivide(x, d) }
        }
        var remainder = x
        subtract(product, from: &remainder)
        while compare(remainder, d) >= 0 {
            add([1], into: &q, at: 0)
            subtract(d, from: &remainder)
            steps += 1
            if steps > 64 { return exactDivide(x, d) }
        }
        return (q, remainder)
    }

    private static func exactDivide(_ x: [Word], _ d: [Word]) -> (quotient: [Word], remainder: [Word]) {
        let (q, r) = BigUInt(words: x).quotientAndRemainder(dividingBy: BigUInt(words: d))
        return (trimmed(Array(q.words)), trimmed(Array(r.words)))
    }
}
