import Foundation

/// A product's code as the database keys it, made from what a scanner reads or a CSV holds.
///
/// EAN-13, UPC-A (12 digits: an EAN-13 with a leading 0), EAN-8 and GTIN-14 are all GTINs, and
/// GS1 keeps them unique when padded with leading zeros to 14 digits, so that is the key: the
/// same tin of soup is found whether its code was printed as UPC-A, read as EAN-13, or stored
/// by Open Food Facts either way. UPC-E is expanded to its UPC-A first. Codes of other lengths
/// (shops' own numbers) are kept as their digits.
public struct ProductCode: Hashable, Sendable, CustomStringConvertible {
    /// The lookup key: 14 digits for a GTIN, the digits as given otherwise.
    public let key: String
    /// The digits as printed under the bars (UPC-E expanded), for reading out.
    public let digits: String

    /// Nil when `text` holds no digits, or anything but digits and surrounding spaces.
    public init?(_ text: String, upcE: Bool = false) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        var digits = trimmed
        if upcE {
            guard let expanded = ProductCode.expandUPCE(trimmed) else { return nil }
            digits = expanded
        }
        self.digits = digits
        if [8, 12, 13, 14].contains(digits.count) {
            key = String(repeating: "0", count: 14 - digits.count) + digits
        } else {
            key = digits
        }
    }

    public var description: String { digits }

    /// The digits grouped as they are printed, so that they can be read out: EAN-13 1-6-6
    /// ("4 006381 333931"), UPC-A 1-5-5-1, EAN-8 4-4, others in threes.
    public var spokenDigits: String {
        let d = Array(digits)
        func groups(_ sizes: [Int]) -> String {
            var out: [String] = [], at = 0
            for size in sizes {
                out.append(String(d[at..<(at + size)]))
                at += size
            }
            return out.joined(separator: " ")
        }
        switch d.count {
        case 13: return groups([1, 6, 6])
        case 12: return groups([1, 5, 5, 1])
        case 8: return groups([4, 4])
        default:
            return stride(from: 0, to: d.count, by: 3).map { String(d[$0..<min($0 + 3, d.count)]) }
                .joined(separator: " ")
        }
    }

    /// UPC-E (8 digits: number system 0 or 1, six digits, check digit) to its UPC-A.
    static func expandUPCE(_ e: String) -> String? {
        let d = Array(e)
        guard d.count == 8, d[0] == "0" || d[0] == "1" else { return nil }
        let ns = d[0], x = d[1...6].map { String($0) }, check = d[7]
        let body: String
        switch x[5] {
        case "0", "1", "2": body = x[0] + x[1] + x[5] + "0000" + x[2] + x[3] + x[4]
        case "3": body = x[0] + x[1] + x[2] + "00000" + x[3] + x[4]
        case "4": body = x[0] + x[1] + x[2] + x[3] + "00000" + x[4]
        default: body = x[0] + x[1] + x[2] + x[3] + x[4] + "0000" + x[5]
        }
        return String(ns) + body + String(check)
    }
}
