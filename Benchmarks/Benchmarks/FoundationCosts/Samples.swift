import Foundation

/// A delivery receipt as Alicom puts it in the SmsReport queue: JSON in the documented field order,
/// base64-encoded.
enum ReceiptSample {
    static let json = """
        {"phone_number":"13800138000","send_time":"2024-03-05 14:07:08","report_time":"2024-03-05 14:07:12",\
        "success":true,"err_code":"DELIVERED","err_msg":"用户接收成功","sms_size":"1",\
        "biz_id":"800000000000000042^0","out_id":"order-42"}
        """
    static let base64Body = Data(json.utf8).base64EncodedString()

    struct Report: Decodable {
        var phone_number: String
        var send_time: String
        var report_time: String
        var success: Bool
        var err_code: String
        var err_msg: String
        var sms_size: String
        var biz_id: String
        var out_id: String
    }
}

/// The `Date` header MNS wants: `Tue, 05 Mar 2024 06:07:08 GMT`.
enum HTTPDateText {
    static func makeFormatter() -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter
    }

    /// As `MNSSignature.httpDate` does it today.
    static func formatterPerCall(_ date: Date) -> String {
        makeFormatter().string(from: date)
    }

    private static let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Civil-from-days (Howard Hinnant's algorithm): no formatter, no locale, no time-zone database.
    static func byHand(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let dayNumber = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - dayNumber * 86_400
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let weekday = days[((dayNumber % 7) + 7) % 7]
        return "\(weekday), \(two(day)) \(months[month - 1]) \(year) \(two(secondOfDay / 3600)):"
            + "\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) GMT"
    }

    private static func two(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}

enum HexText {
    private static let digits = Array("0123456789ABCDEF".utf8)

    static func upper(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            for (index, byte) in bytes.enumerated() {
                buffer[2 * index] = digits[Int(byte >> 4)]
                buffer[2 * index + 1] = digits[Int(byte & 0x0F)]
            }
            return bytes.count * 2
        }
    }
}
