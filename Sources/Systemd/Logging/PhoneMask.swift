/// Hides the middle of a phone number in logs, the way Chinese carriers print it: `13800138000`
/// becomes `138****8000`.
///
/// The four digits before the last four are replaced by `*`; everything before them stays, so a
/// country code survives (`+8613800138000` → `+86138****8000`) and an operator can still tell
/// numbers apart and match a line to a complaint. Spaces, `+`, `-`, `(`, `)` and `.` are kept where
/// they are; any other non-digit is masked too, so a value that is not a phone number cannot leak.
/// Numbers with eight digits or fewer keep only their last four (or, if shorter, none), and
/// comma-separated lists (Alibaba's `PhoneNumbers`) are masked number by number.
public enum PhoneMask {
    public static func mask(_ value: String) -> String {
        value.split(separator: ",", omittingEmptySubsequences: false)
            .map { maskOne(Substring($0)) }
            .joined(separator: ",")
    }

    private static let separators: Set<Character> = [" ", "+", "-", "(", ")", "."]

    private static func maskOne(_ number: Substring) -> String {
        let digitCount = number.reduce(0) { $0 + ($1.isASCII && $1.isNumber ? 1 : 0) }
        // Digit positions (0-based) that stay visible.
        let visible: (Int) -> Bool
        if digitCount >= 9 {
            visible = { $0 < digitCount - 8 || $0 >= digitCount - 4 }
        } else if digitCount > 4 {
            visible = { $0 >= digitCount - 4 }
        } else {
            visible = { _ in false }
        }
        var digitIndex = 0
        var masked = ""
        masked.reserveCapacity(number.utf8.count)
        for character in number {
            if character.isASCII && character.isNumber {
                masked.append(visible(digitIndex) ? character : "*")
                digitIndex += 1
            } else {
                masked.append(separators.contains(character) ? character : "*")
            }
        }
        return masked
    }
}
