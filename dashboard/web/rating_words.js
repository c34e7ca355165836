/* The words of a rating (好差评), shared by the window pad (/pad) and the slip's rating page
 * (/rate/…): the national five levels (国办发〔2019〕51号) and the reasons offered for a
 * dissatisfied one, which must state a reason (PY Art 17). The hall decides the rule too; the
 * pages only ask first.
 *
 * Plain script: defines `window.HallRatingWords`.
 */
(function (global) {
  'use strict';
  global.HallRatingWords = {
    zh: {
      levels: { 5: '非常满意', 4: '满意', 3: '基本满意', 2: '不满意', 1: '非常不满意' },
      reasonAsk: '请告诉我们不满意的原因（必填）',
      reasons: ['等候时间过长', '服务态度不好', '业务不熟悉', '一次告知不清楚', '材料要求过多', '办理时间过长'],
      reasonPlaceholder: '或在此输入原因', needReason: '请选择或填写不满意的原因', back: '返回', send: '提交评价',
      thanks: '感谢您的评价！', failed: '评价未能提交：',
    },
    en: {
      levels: { 5: 'Very satisfied', 4: 'Satisfied', 3: 'Acceptable', 2: 'Dissatisfied', 1: 'Very dissatisfied' },
      reasonAsk: 'Please tell us why (required)',
      reasons: ['Waited too long', 'Unfriendly service', 'Staff unsure of the rules', 'Requirements not explained at once', 'Too many documents asked', 'Service took too long'],
      reasonPlaceholder: 'or type a reason here', needReason: 'Please choose or type a reason', back: 'Back', send: 'Submit',
      thanks: 'Thank you for your rating!', failed: 'Rating not saved: ',
    },
    /** The two lowest levels need a reason. */
    needsReason(level) { return level <= 2; },
    /** The reason sent: the one chosen from the list and the one typed, joined. */
    joinReason(chosen, typed) { return [chosen, (typed || '').trim()].filter(Boolean).join('；'); },
  };
})(window);
