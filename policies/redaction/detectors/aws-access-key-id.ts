import { regexDetector } from "../regex-detector.ts";

/** Four-letter prefixes of AWS access key ids (IAM user, STS, role, …) followed by 16 base32 chars. */
export const AWS_KEY_ID_PATTERN =
  /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])/;

export const awsAccessKeyId = regexDetector({
  id: "aws_access_key_id",
  pattern: AWS_KEY_ID_PATTERN,
});
