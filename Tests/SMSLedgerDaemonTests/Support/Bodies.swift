import Foundation

/// Alicom message JSON, and the queue bodies (base64 of UTF-8 JSON) MNS delivers it in.
enum Bodies {
    static func report(_ index: Int, success: Bool = true) -> String {
        Data(reportJSON(index, success: success).utf8).base64EncodedString()
    }

    static func reply(_ index: Int) -> String {
        Data(replyJSON(index).utf8).base64EncodedString()
    }

    /// A mainland SmsReport item, the same in the queue (after base64) and in an HTTP push.
    static func reportJSON(_ index: Int, success: Bool = true) -> String {
        """
        {"phone_number":"1380\(String(format: "%07d", index))","send_time":"2026-11-23 10:00:00",\
        "report_time":"2026-11-23 10:00:05","success":\(success),"err_code":"\(success ? "DELIVERED" : "MK:0001")",\
        "err_msg":"用户接收成功","sms_size":"1","biz_id":"90061974693\(String(format: "%07d", index))^0","out_id":"order-\(index)"}
        """
    }

    /// An international SmsReport item (HTTP push and queue share it).
    static func internationalJSON(_ index: Int, status: String = "1") -> String {
        """
        {"To":"6591\(String(format: "%06d", index))","Status":"\(status)","MessageId":"10080303\(String(format: "%08d", index))^0",\
        "SmsSize":"1","TaskId":"10080303003083","SendDate":"Mon, 23 Nov 2026 10:00:00 +0800",\
        "ReceiveDate":"Mon, 23 Nov 2026 10:00:05 +0800","ErrorCode":"DELIVERED","ErrorDescription":"success"}
        """
    }

    static func replyJSON(_ index: Int) -> String {
        """
        {"dest_code":"1234","send_time":"2026-11-23 10:01:00","sequence_id":\(100_000 + index),\
        "phone_number":"1390\(String(format: "%07d", index))","content":"退订 \(index)"}
        """
    }
}
