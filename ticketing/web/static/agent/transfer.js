// Warm transfer (转接) of the call in progress: the agent types a number (Alt+T focuses it), checked here
// (2–20 digits, * #) before POST /agents/me/transfer; the agent then talks to the other side first, and
// hanging up hands the caller over (*3 三方通话, *1 取消 on the phone). Errors in Chinese, typed.
"use strict";

const Transfer = (() => {
  const { $ } = Desk;
  const { api } = Hotline;
  const { errorText } = Words;

  async function transfer(event) {
    event.preventDefault();
    const target = $("transfer-target").value.trim();
    $("transfer-message").textContent = "";
    $("transfer-error").textContent = "";
    if (!/^[0-9*#]{2,20}$/.test(target)) {
      $("transfer-error").textContent = "转接号码应为 2–20 位数字（可含 * #）";
      $("transfer-target").focus();
      return;
    }
    try {
      const result = await api("/agents/me/transfer", { method: "POST", body: { target } });
      $("transfer-message").textContent = `正在转接 ${result.target}：与对方通话后挂机即完成转接`;
    } catch (error) {
      $("transfer-error").textContent = errorText(error);
    }
  }

  function wire() {
    $("transfer-form").addEventListener("submit", transfer);
  }

  return { wire };
})();
