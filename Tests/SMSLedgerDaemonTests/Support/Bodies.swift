import Foundation

/// Alicom queue bodies (base64 of UTF-8 JSON), as MNS delivers them.
enum Bodies {
    static func report(_ index: Int, success: Bool = true) -> String {
        let json = """
            {"phone_number":"1380\(String(format: "%07d", index))","send_time":"2026-11-23 10:00:00",\
            "report_time":"2026-11-23 10:00:05","success":\(success),"err_code":"\(success ? "DELIVERED" : "MK:0001")",\
            "err_msg":"用户接收成功","sms_size":"1","biz_id":"90061974693\(String(format: "%07d", index))^0","out_id":"order-\(index)"}
            """
        return Data(json.utf8).base64EncodedString()
    }

    static func reply(_ index: Int) -> String {
        let json = """
            {"dest_code":"1234","send_time":"2026-11-23 10:01:00","sequence_id":\(100_000 + index),\
            "phone_number":"1390\(String(format: "%07d", index))","content":"退订 \(index)"}
            """
        return Data(json.utf8).base64EncodedString()
    }
}
