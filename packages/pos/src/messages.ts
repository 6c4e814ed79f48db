/**
 * Plain-language explanations of failures, driven by the catalogue: the symbolic message says
 * the cause, the handling says what to do when the cause is not one the counter knows.
 */
import type { Failure } from "./api.js";
import type { Key } from "./i18n.js";

const BY_MESSAGE: Record<string, Key> = {
  FulfillQRCodeScreenshotExpired: "err.refreshQr",
  FulfillRedeemQRCodeExpired: "err.refreshQr",
  FulfillQRCodeBase64DecodeFailed: "err.rescan",
  FulfillQRCodeDecryptFailed: "err.rescan",
  FulfillQRCodeDeserializeFailed: "err.rescan",
  FulfillCertificateNotFound: "err.notFound",
  FulfillVoucherNotFound: "err.notFound",
  FulfillVoucherCountMismatch: "err.notFound",
  FulfillInputCodeNotInteger: "err.badCode",
  FulfillParseCodeFailed: "err.badCode",
  FulfillNoCodeUsableAtShop: "err.notHere",
  FulfillShopNotApplicable: "err.notHere",
  FulfillNoApplicableShop: "err.notHere",
  FulfillSubOrderRefundInProgress: "err.refundInProgress",
  FulfillVoucherRefunded: "err.refunded",
  FulfillExecOrderRefunded: "err.refunded",
  FulfillSubOrderRefunded: "err.refunded",
  FulfillVoucherNotInUsableTime: "err.notNow",
  FulfillExecOrderNotInUsableTime: "err.notNow",
  FulfillVoucherExpired: "err.expired",
  FulfillExecOrderExpired: "err.expired",
  FulfillVoucherAlreadyUsed: "err.alreadyUsed",
  FulfillExecOrderAlreadyUsed: "err.alreadyUsed",
  FulfillVoucherStateInvalid: "err.notRedeemable",
  FulfillExecOrderStateInvalid: "err.notRedeemable",
  FulfillSubOrderStateInvalid: "err.notRedeemable",
  FulfillVerifierNoShopPermission: "err.noPermission",
  FulfillVerifierNoScanPermission: "err.noPermission",
  FulfillVerifierNoRedeemPermission: "err.noPermission",
  FulfillCancelWindowClosed: "err.cancelWindow",
  FulfillRedeemAlreadyCancelled: "err.alreadyCancelled",
  FulfillCancelCodeMovedOn: "err.movedOn",
  FulfillRedeemRecordNotFound: "err.recordNotFound",
};

export function failureKey(f: Failure): Key {
  switch (f.kind) {
    case "network":
      return "err.offline";
    case "unauthorized":
      return "pair.revoked";
    case "busy":
      return "err.unavailable";
    case "row": {
      const known = BY_MESSAGE[f.message];
      if (known) return known;
      if (f.handling === "refresh_qr") return "err.refreshQr";
      if (f.handling === "rescan") return "err.rescan";
      if (f.handling === "retry" || f.handling === "recheck") return "err.unavailable";
      return "err.generic";
    }
  }
}

export const failureLogId = (f: Failure): string | null => (f.kind === "network" ? null : f.logId);
