import Foundation
@testable import SMSLedgerCore

/// Bodies from the protocol reference. The two `…MessageBody` strings are copied verbatim from
/// `message_bodies` in alibaba-signature-vectors.json (what the MNS fixtures carry); the others are the
/// documented examples and realistic variants of them.
enum Fixtures {
    /// base64 of `SmsReportJSON`, exactly as the canned MNS responses carry it.
    static let smsReportMessageBody = "eyJwaG9uZV9udW1iZXIiOiIxMzgwMDEzODAwMCIsInNlbmRfdGltZSI6IjIwMjQtMDMtMDUgMTQ6MDc6MDEiLCJyZXBvcnRfdGltZSI6IjIwMjQtMDMtMDUgMTQ6MDc6MDUiLCJzdWNjZXNzIjp0cnVlLCJlcnJfY29kZSI6IkRFTElWRVJFRCIsImVycl9tc2ciOiLnlKjmiLfmjqXmlLbmiJDlip8iLCJzbXNfc2l6ZSI6IjEiLCJiaXpfaWQiOiI5MDA2MTk3NDY5MzY0OTg0NDBeMCIsIm91dF9pZCI6Im9yZGVyLTQyIn0="

    static let smsReportJSON = #"{"phone_number":"13800138000","send_time":"2024-03-05 14:07:01","report_time":"2024-03-05 14:07:05","success":true,"err_code":"DELIVERED","err_msg":"用户接收成功","sms_size":"1","biz_id":"900619746936498440^0","out_id":"order-42"}"#

    /// base64 of `smsUpJSON`, exactly as the canned MNS responses carry it.
    static let smsUpMessageBody = "eyJkZXN0X2NvZGUiOiIxMjM0Iiwic2VuZF90aW1lIjoiMjAyNC0wMy0wNSAxNDowOTozMCIsInNlcXVlbmNlX2lkIjoxMjM0NTY3ODkwLCJwaG9uZV9udW1iZXIiOiIxMzgwMDEzODAwMCIsImNvbnRlbnQiOiLpgIDorqIifQ=="

    static let smsUpJSON = #"{"dest_code":"1234","send_time":"2024-03-05 14:09:30","sequence_id":1234567890,"phone_number":"13800138000","content":"退订"}"#

    /// The documented mainland failure example.
    static let smsReportFailureJSON = #"{"phone_number":"13800138001","send_time":"2024-03-05 14:07:01","report_time":"2024-03-05 14:08:11","success":false,"err_code":"MK:0001","err_msg":"MK:0001","sms_size":"1","biz_id":"900619746936498440^0","out_id":""}"#

    /// An international SmsReport with the given `Status`.
    static func internationalReportJSON(status: String, errorCode: String = "DELIVERED") -> String {
        #"{"To":"6591234567","Status":"\#(status)","MessageId":"1008030300308311^0","SmsSize":"1","TaskId":"10080303003083","SendDate":"Thu, 25 Nov 2021 10:27:00 +0800","ReceiveDate":"Thu, 25 Nov 2021 10:27:05 +0800","ErrorCode":"\#(errorCode)","ErrorDescription":"success"}"#
    }

    /// The documented QuerySendDetails response.
    static let querySendDetailsResponse = #"""
    {
      "Code": "OK", "Message": "OK", "RequestId": "819BE656-D2E0-4858-8B21-B2E477085AAF",
      "TotalCount": "1",
      "SmsSendDetailDTOs": {"SmsSendDetailDTO": [
        {"PhoneNum": "13800138000", "SendStatus": 3, "ErrCode": "DELIVERED", "TemplateCode": "SMS_154950909",
         "Content": "【阿里云短信测试】您的验证码1234……", "SendDate": "2024-03-05 14:07:01",
         "ReceiveDate": "2024-03-05 14:07:05", "OutId": "order-42"}
      ]}
    }
    """#

    /// The TeleSign callback from the status model (TeleSign's `updated_on` spelling).
    static let teleSignCallback = #"{"reference_id": "65CA48A0752012689190921055936659", "external_id": "5122f7d8a93f11ea8b6700163e02db87", "status": {"updated_on": "2020-06-08T04:20:09.873298Z", "code": 200, "description": "Delivered to handset"}}"#

    /// A TeleSign callback with `code` spliced in as raw JSON (`200` or `"200"`) and the seed's
    /// `updated on` spelling.
    static func teleSignCallback(code: String, updatedKey: String = "updated on") -> String {
        #"{"reference_id": "65CA48A0752012689190921055936659", "external_id": "5122f7d8a93f11ea8b6700163e02db87", "status": {"\#(updatedKey)": "2020-06-08T04:20:09.873298Z", "code": \#(code)}}"#
    }

    static func base64(_ json: String) -> String {
        Data(json.utf8).base64EncodedString()
    }
}
