/** The POS's words in English and Indonesian (id-ID). `{name}` marks a parameter. */

export type Lang = "en" | "id";

export const LOCALES: Record<Lang, string> = { en: "en-US", id: "id-ID" };

const en = {
  "app.title": "Voucher counter",
  "lang.switch": "Bahasa Indonesia",
  "lang.code": "id",
  "nav.scan": "Scan",
  "nav.type": "Type code",
  "nav.history": "Today",
  "nav.redeem": "Redeem",
  "nav.new": "Next customer",
  "nav.back": "Back",
  "net.offline": "No connection. Check the Wi-Fi or mobile data; the POS retries by itself.",
  "net.checking": "Checking with the server…",

  "pair.title": "Pair this device",
  "pair.help": "Ask a manager for a pairing code for this shop. It works once and expires after 10 minutes.",
  "pair.label": "Pairing code",
  "pair.submit": "Pair",
  "pair.busy": "Pairing…",
  "pair.invalid": "That code is wrong, already used, or expired. Ask for a new one.",
  "pair.notAllowed": "This shop is no longer allowed for the app. Ask a manager.",
  "pair.revoked": "This device was unpaired. Ask a manager for a new pairing code.",
  "pair.unpair": "Unpair this device",
  "pair.unpairConfirm": "Unpair? You will need a new pairing code.",

  "type.title": "Type the voucher code",
  "type.help": "12 digits",
  "type.lookup": "Look up",
  "type.clear": "Clear",
  "type.delete": "Delete",
  "type.looking": "Looking up…",
  "type.whyEmpty": "Type the 12 digits of the code first.",
  "type.whyDigitOne": "Type 1 more digit: a code has 12.",
  "type.whyDigits": "Type {n} more digits: a code has 12.",
  "type.whyOffline": "No connection: looking up needs the server.",

  "scan.title": "Point the camera at the customer's QR code",
  "scan.starting": "Starting the camera…",
  "scan.scanning": "Scanning…",
  "scan.found": "QR code read. Looking up…",
  "scan.again": "Scan again",
  "scan.typeInstead": "Type the code",
  "scan.denied": "The camera is blocked. Allow the camera for this page, or type the code.",
  "scan.noCamera": "No camera found. Type the code instead.",
  "scan.insecure": "The camera needs a secure (https) page. Type the code instead.",
  "scan.failed": "The camera could not start. Type the code instead.",
  "scan.notVoucher": "This QR code is not a voucher. Ask the customer to open the voucher QR.",

  "preview.title": "Order",
  "preview.select": "Select the codes to redeem",
  "preview.redeem": "Redeem {n} codes",
  "preview.redeemOne": "Redeem 1 code",
  "preview.redeeming": "Redeeming…",
  "preview.rechecking": "No clear answer. Checking what happened…",
  "preview.none": "Nothing here can be redeemed now.",
  "preview.selectAll": "Select all",
  "preview.valid": "Valid {from} – {to}",
  "preview.validTo": "Valid until {to}",
  "preview.code": "Code",

  "state.redeemable": "Ready to redeem",
  "state.unavailable_now": "Not usable right now (see usable times)",
  "state.not_yet": "Not usable yet (from {from})",
  "state.expired": "Expired",
  "state.not_active": "Not active yet",
  "state.used_here": "Already used at this shop at {time}",
  "state.used_here_on": "Already used at this shop on {time}",
  "state.used_elsewhere": "Already used at another shop ({shop}) at {time}",
  "state.used_elsewhere_on": "Already used at another shop ({shop}) on {time}",
  "state.refund_in_progress": "Refund in progress: cannot be used",
  "state.refunded": "Refunded: cannot be used",

  "result.ok": "Redeemed",
  "result.okCountOne": "1 code redeemed",
  "result.okCount": "{n} codes redeemed",
  "result.stillRedeemableOne":
    "Nothing was redeemed. The server now answers that this code can still be redeemed: try again.",
  "result.stillRedeemable":
    "Nothing was redeemed. The server now answers that these codes can still be redeemed: try again.",
  "result.tryAgain": "Try again",
  "result.reconciled": "The connection dropped, but the server confirms the redemption.",
  "result.failed": "Not redeemed",
  "result.unconfirmed": "Not confirmed",
  "result.partial": "Some codes were redeemed; the others could not be.",
  "result.redeemId": "Redemption {id}",
  "result.at": "at {time}",

  "history.title": "Today at {shop}",
  "history.empty": "No redemptions today yet.",
  "history.refresh": "Refresh",
  "history.more": "Show more",
  "history.cancel": "Cancel redemption",
  "history.cancelConfirm": "Cancel this redemption? Its codes become usable again.",
  "history.cancelYes": "Yes, cancel it",
  "history.cancelNo": "Keep it",
  "history.cancelled": "Cancelled at {time}",
  "history.redeemed": "Redeemed",
  "history.cancelDone": "Redemption cancelled. The codes can be used again.",
  "history.codesOne": "1 code",
  "history.codes": "{n} codes",

  "err.refreshQr": "Ask the customer to refresh the QR code in their app, then scan again.",
  "err.rescan":
    "The QR code could not be read. Scan again; if it keeps failing, ask the customer to refresh the QR.",
  "err.notFound": "No voucher has this code. Check the digits.",
  "err.badCode": "A voucher code has exactly 12 digits.",
  "err.notHere": "Not usable at this shop.",
  "err.refundInProgress": "Refund in progress: this voucher cannot be used.",
  "err.refunded": "This voucher was refunded and cannot be used.",
  "err.notNow": "This voucher cannot be used at this time. Check the usable times.",
  "err.expired": "This voucher has expired.",
  "err.alreadyUsed": "This voucher was already used.",
  "err.notRedeemable": "This voucher cannot be redeemed in its current state.",
  "err.noPermission": "This device may not do this at this shop. Ask a manager to pair it again.",
  "err.cancelWindow": "Too late to cancel: the cancel window has passed.",
  "err.alreadyCancelled": "This redemption was already cancelled.",
  "err.movedOn": "A code of this redemption is being refunded; it cannot be cancelled.",
  "err.recordNotFound": "This redemption was not made at this shop.",
  "err.unavailable": "The service is busy or unavailable. Try again in a moment.",
  "err.offline": "No connection. Check the network and try again.",
  "err.generic":
    "Something went wrong. Try again; if it keeps failing, call support with the reference below.",
  "err.logId": "Ref. {id}",
} as const;

export type Key = keyof typeof en;

const id: Record<Key, string> = {
  "app.title": "Kasir voucher",
  "lang.switch": "English",
  "lang.code": "en",
  "nav.scan": "Pindai",
  "nav.type": "Ketik kode",
  "nav.history": "Hari ini",
  "nav.redeem": "Tukarkan",
  "nav.new": "Pelanggan berikutnya",
  "nav.back": "Kembali",
  "net.offline": "Tidak ada koneksi. Periksa Wi-Fi atau data seluler; POS akan mencoba lagi sendiri.",
  "net.checking": "Menghubungi server…",

  "pair.title": "Pasangkan perangkat ini",
  "pair.help":
    "Minta kode pemasangan untuk toko ini kepada manajer. Kode hanya berlaku sekali dan kedaluwarsa setelah 10 menit.",
  "pair.label": "Kode pemasangan",
  "pair.submit": "Pasangkan",
  "pair.busy": "Memasangkan…",
  "pair.invalid": "Kode salah, sudah dipakai, atau kedaluwarsa. Minta kode baru.",
  "pair.notAllowed": "Toko ini tidak lagi diizinkan untuk aplikasi. Hubungi manajer.",
  "pair.revoked": "Perangkat ini sudah dilepas. Minta kode pemasangan baru kepada manajer.",
  "pair.unpair": "Lepaskan perangkat ini",
  "pair.unpairConfirm": "Lepaskan? Anda akan memerlukan kode pemasangan baru.",

  "type.title": "Ketik kode voucher",
  "type.help": "12 angka",
  "type.lookup": "Cari",
  "type.clear": "Hapus semua",
  "type.delete": "Hapus",
  "type.looking": "Mencari…",
  "type.whyEmpty": "Ketik dulu 12 angka kodenya.",
  "type.whyDigitOne": "Ketik 1 angka lagi: kode terdiri dari 12 angka.",
  "type.whyDigits": "Ketik {n} angka lagi: kode terdiri dari 12 angka.",
  "type.whyOffline": "Tidak ada koneksi: pencarian memerlukan server.",

  "scan.title": "Arahkan kamera ke kode QR pelanggan",
  "scan.starting": "Menyalakan kamera…",
  "scan.scanning": "Memindai…",
  "scan.found": "Kode QR terbaca. Mencari…",
  "scan.again": "Pindai lagi",
  "scan.typeInstead": "Ketik kodenya",
  "scan.denied": "Kamera diblokir. Izinkan kamera untuk halaman ini, atau ketik kodenya.",
  "scan.noCamera": "Kamera tidak ditemukan. Ketik kodenya saja.",
  "scan.insecure": "Kamera memerlukan halaman aman (https). Ketik kodenya saja.",
  "scan.failed": "Kamera tidak dapat dinyalakan. Ketik kodenya saja.",
  "scan.notVoucher": "Kode QR ini bukan voucher. Minta pelanggan membuka QR voucher.",

  "preview.title": "Pesanan",
  "preview.select": "Pilih kode yang akan ditukarkan",
  "preview.redeem": "Tukarkan {n} kode",
  "preview.redeemOne": "Tukarkan 1 kode",
  "preview.redeeming": "Menukarkan…",
  "preview.rechecking": "Tidak ada jawaban jelas. Memeriksa apa yang terjadi…",
  "preview.none": "Tidak ada yang dapat ditukarkan sekarang.",
  "preview.selectAll": "Pilih semua",
  "preview.valid": "Berlaku {from} – {to}",
  "preview.validTo": "Berlaku sampai {to}",
  "preview.code": "Kode",

  "state.redeemable": "Siap ditukarkan",
  "state.unavailable_now": "Tidak dapat dipakai saat ini (lihat waktu penggunaan)",
  "state.not_yet": "Belum dapat dipakai (mulai {from})",
  "state.expired": "Kedaluwarsa",
  "state.not_active": "Belum aktif",
  "state.used_here": "Sudah dipakai di toko ini pukul {time}",
  "state.used_here_on": "Sudah dipakai di toko ini pada {time}",
  "state.used_elsewhere": "Sudah dipakai di toko lain ({shop}) pukul {time}",
  "state.used_elsewhere_on": "Sudah dipakai di toko lain ({shop}) pada {time}",
  "state.refund_in_progress": "Pengembalian dana sedang diproses: tidak dapat dipakai",
  "state.refunded": "Dana sudah dikembalikan: tidak dapat dipakai",

  "result.ok": "Berhasil ditukarkan",
  "result.okCountOne": "1 kode ditukarkan",
  "result.okCount": "{n} kode ditukarkan",
  "result.stillRedeemableOne":
    "Belum ada yang ditukarkan. Server kini menjawab bahwa kode ini masih dapat ditukarkan: coba lagi.",
  "result.stillRedeemable":
    "Belum ada yang ditukarkan. Server kini menjawab bahwa kode-kode ini masih dapat ditukarkan: coba lagi.",
  "result.tryAgain": "Coba lagi",
  "result.reconciled": "Koneksi terputus, tetapi server mengonfirmasi penukaran.",
  "result.failed": "Tidak ditukarkan",
  "result.unconfirmed": "Belum dipastikan",
  "result.partial": "Sebagian kode ditukarkan; yang lain tidak dapat ditukarkan.",
  "result.redeemId": "Penukaran {id}",
  "result.at": "pukul {time}",

  "history.title": "Hari ini di {shop}",
  "history.empty": "Belum ada penukaran hari ini.",
  "history.refresh": "Muat ulang",
  "history.more": "Tampilkan lagi",
  "history.cancel": "Batalkan penukaran",
  "history.cancelConfirm": "Batalkan penukaran ini? Kodenya dapat dipakai lagi.",
  "history.cancelYes": "Ya, batalkan",
  "history.cancelNo": "Jangan",
  "history.cancelled": "Dibatalkan pukul {time}",
  "history.redeemed": "Ditukarkan",
  "history.cancelDone": "Penukaran dibatalkan. Kodenya dapat dipakai lagi.",
  "history.codesOne": "1 kode",
  "history.codes": "{n} kode",

  "err.refreshQr": "Minta pelanggan memuat ulang kode QR di aplikasinya, lalu pindai lagi.",
  "err.rescan": "Kode QR tidak terbaca. Pindai lagi; jika tetap gagal, minta pelanggan memuat ulang QR.",
  "err.notFound": "Tidak ada voucher dengan kode ini. Periksa angkanya.",
  "err.badCode": "Kode voucher terdiri dari tepat 12 angka.",
  "err.notHere": "Tidak dapat dipakai di toko ini.",
  "err.refundInProgress": "Pengembalian dana sedang diproses: voucher ini tidak dapat dipakai.",
  "err.refunded": "Dana voucher ini sudah dikembalikan; tidak dapat dipakai.",
  "err.notNow": "Voucher ini tidak dapat dipakai saat ini. Periksa waktu penggunaannya.",
  "err.expired": "Voucher ini sudah kedaluwarsa.",
  "err.alreadyUsed": "Voucher ini sudah dipakai.",
  "err.notRedeemable": "Voucher ini tidak dapat ditukarkan dalam keadaannya sekarang.",
  "err.noPermission":
    "Perangkat ini tidak diizinkan melakukan ini di toko ini. Minta manajer memasangkannya lagi.",
  "err.cancelWindow": "Terlambat untuk membatalkan: batas waktu pembatalan sudah lewat.",
  "err.alreadyCancelled": "Penukaran ini sudah dibatalkan.",
  "err.movedOn": "Salah satu kode sedang dalam pengembalian dana; tidak dapat dibatalkan.",
  "err.recordNotFound": "Penukaran ini tidak dilakukan di toko ini.",
  "err.unavailable": "Layanan sedang sibuk atau tidak tersedia. Coba lagi sebentar lagi.",
  "err.offline": "Tidak ada koneksi. Periksa jaringan lalu coba lagi.",
  "err.generic":
    "Terjadi kesalahan. Coba lagi; jika tetap gagal, hubungi dukungan dengan referensi di bawah.",
  "err.logId": "Ref. {id}",
};

const DICTS: Record<Lang, Record<Key, string>> = { en, id };

export type Translate = (key: Key, params?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const dict = DICTS[lang];
  return (key, params) => {
    const text = dict[key] ?? en[key];
    return params
      ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m))
      : text;
  };
}

export function initialLang(stored: string | null, navigatorLanguage: string | undefined): Lang {
  if (stored === "en" || stored === "id") return stored;
  return navigatorLanguage?.toLowerCase().startsWith("id") ? "id" : "en";
}
