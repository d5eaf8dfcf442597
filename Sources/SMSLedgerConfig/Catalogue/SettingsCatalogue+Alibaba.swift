import Foundation

// The settings of [alibaba], [queues], [alibaba_push] and [telesign], each declared once: key, kind and
// range, how it is read and shown, and the help the example file prints (see `Setting`).
extension SettingsCatalogue {
    static let alibaba: [Setting] = alibabaHead + alibabaSecret + alibabaTail

    private static let alibabaHead: [Setting] = [
        .custom("alibaba", "access_key_id", .string, help: [
            "Required to talk to Alibaba: the AccessKey ID of a RAM user allowed to read the SMS receipt queues.",
        ]) { .text($0.alibaba.accessKeyID) },
    ]

    private static let alibabaSecret: [Setting] = Setting.secret(
        "alibaba", "access_key_secret", \.alibaba.accessKeySecret, credential: "alibaba-access-key-secret", help: [
                   ["The AccessKey secret inline (warned about; prefer a credential or a file)."],
                   ["A file holding only the secret; refused unless it is private to the service (chmod 600)."],
                   ["The name of an environment variable holding the secret, e.g. set by your secret manager."],
                   [
                       "The systemd credential read from $CREDENTIALS_DIRECTORY when none of the above is set; \"\" turns it off.",
                   ],
               ])

    private static let alibabaTail: [Setting] = [
        .custom("alibaba", "region_id", .string, help: [
            "The RegionId sent with API calls; every Alibaba sample uses cn-hangzhou, so change it only if told to.",
        ]) { .text($0.alibaba.regionID) },
        .custom("alibaba", "dybaseapi_endpoint", .string, help: [
            "Dybaseapi hands out the temporary MNS queue tokens; change only for a proxy or the local emulator.",
        ]) { .text($0.alibaba.dybaseapiEndpoint.absoluteString) },
        .custom("alibaba", "dysmsapi_endpoint", .string, help: [
            "Dysmsapi answers QuerySendDetails for compensation; change only for a proxy or the local emulator.",
        ]) { .text($0.alibaba.dysmsapiEndpoint.absoluteString) },
        .custom("alibaba", "mns_endpoint", .string, help: [
            "The MNS account that holds every customer's Alicom receipt queues; change only for the emulator.",
        ]) { .text($0.alibaba.mnsEndpoint.absoluteString) },
        .seconds("alibaba", "request_timeout_seconds", 1...300, \.alibaba.requestTimeout, help: [
            "Seconds before one HTTP request to Alibaba is abandoned (1...300); raise it on a slow link.",
        ]),
        .seconds("alibaba", "token_refresh_margin_seconds", 0...3600, \.alibaba.tokenRefreshMargin, help: [
            "Seconds before a queue token expires that a new one is fetched (0...3600); raise it if fetches are slow.",
        ]),
    ]

    static let queues: [Setting] = [
        .custom("queues", "account_uid", .string, help: [
            "Your Aliyun account UID (digits); the queue names Alicom-Queue-<uid>-SmsReport and -SmsUp follow from it.",
        ]) { .text($0.queues.accountUID) },
        .custom("queues", "sms_report", .string, help: [
            "The delivery-receipt queue name, only if the SMS console shows a name that differs from the derived one.",
        ]) { .text($0.queues.smsReport.name) },
        .custom("queues", "sms_up", .string, help: [
            "The reply (inbound SMS) queue name, only if it differs from the derived one.",
        ]) { .text($0.queues.smsUp.name) },
        .custom("queues", "sms_report_enabled", .boolean, help: [
            "Set to false if delivery receipts are not switched on in the SMS console.",
        ]) { .literal($0.queues.smsReport.enabled) },
        .custom("queues", "sms_up_enabled", .boolean, help: [
            "Set to false if you do not receive replies (SmsUp is not switched on in the console).",
        ]) { .literal($0.queues.smsUp.enabled) },
    ]

    static let alibabaPush: [Setting] = alibabaPushHead + alibabaPushSecret + alibabaPushTail

    private static let alibabaPushHead: [Setting] = [
        .flag("alibaba_push", "enabled", \.alibabaPush.enabled, help: [
            "Receive SmsReport and SmsUp by HTTP push (\"HTTP批量推送\") on the [http] listener, for message types",
            "the SMS console is set to push instead of queueing; both channels can run at once (a migration).",
            "The URLs to enter in the console are  https://<your host><path_prefix>/<token>/SmsReport  and",
            ".../SmsUp ; put TLS in front with a reverse proxy (see README.md, \"Alibaba HTTP push\").",
        ]),
    ]

    private static let alibabaPushSecret: [Setting] = Setting.secret(
        "alibaba_push", "token", \.alibabaPush.token, credential: "alibaba-push-token", help: [
                   [
                       "The secret part of both URLs, inline (warned about): at least 16 of A-Z a-z 0-9 - . _ ~",
                       "(e.g. the output of \"openssl rand -hex 16\"). A request with another token is answered 404.",
                   ],
                   ["A file holding only the token; refused unless chmod 600."],
                   ["The name of an environment variable holding the token."],
                   [
                       "The systemd credential read from $CREDENTIALS_DIRECTORY when none of the above is set; \"\" turns it off.",
                   ],
               ])

    private static let alibabaPushTail: [Setting] = [
        .custom("alibaba_push", "path_prefix", .string, help: [
            "Where the two URLs start; must start with \"/\".",
        ]) { .text($0.alibabaPush.pathPrefix) },
        .custom("alibaba_push", "allow_from", .stringList, help: [
            "Addresses or CIDR blocks allowed to push, e.g. [\"100.104.0.0/16\"]; empty allows any peer. Behind",
            "a reverse proxy every request comes from the proxy, so filter by source there instead.",
        ]) { .list($0.alibabaPush.allowFrom.map(\.description)) },
        .integer("alibaba_push", "max_body_bytes", 1024...16_777_216, \.alibabaPush.maxBodyBytes, help: [
            "Largest pushed body accepted, in bytes (1024...16777216); a push of 500 receipts is about 150 KiB.",
        ]),
    ]

    static let telesign: [Setting] = telesignSecret


    private static let telesignSecret: [Setting] = Setting.secret(
        "telesign", "api_key", \.telesign.apiKey, credential: "telesign-api-key", help: [
                   ["The TeleSign API key (base64, as TeleSign shows it) that signs callbacks, inline (warned about)."],
                   ["A file holding only the API key; refused unless chmod 600."],
                   ["The name of an environment variable holding the API key."],
                   [
                       "The systemd credential read from $CREDENTIALS_DIRECTORY when none of the above is set; \"\" turns it off.",
                   ],
               ])

}
