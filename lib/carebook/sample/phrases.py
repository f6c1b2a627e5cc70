"""Sentences the sample's customer comments are built from.

Every comment is an opening (depending on how it reached China Mobile), one or two
*specific* sentences that carry the comment's themes, and a closing (depending on its
kind). Each specific sentence lists the themes a careful human coder would give it, as
keys of the built-in codebook (``carebook/data/codebook.yaml``).

For most sentences those themes are exactly what the codebook's keyword matching finds.
Sentences marked *subtle* are the realistic exceptions where the two disagree, so that
the agreement analysis (Cohen's kappa between the hand coding and the keyword coding)
has something to find: a complaint about calls "cutting off" that names no keyword,
"unhappy" containing the keyword "app", 不满意 ("dissatisfied") containing 满意
("satisfied"), praise that never says "thank you". Openings and closings carry no theme.
The tests check all of this against the codebook.

The wording is invented for the sample; it is polite enough to be quoted in a report.
"""

from __future__ import annotations

# ruff: noqa: E501 - a table of sentences reads best one sentence per line
from dataclasses import dataclass

__all__ = ["Phrase", "SPECIFIC", "OPENINGS", "CLOSINGS", "LITERAL_TEXTS", "THEME_ORDER"]

#: Theme keys in the order of the built-in codebook (hand codes are written in this order).
THEME_ORDER = ("billing", "data_package", "network", "waiting", "staff_attitude",
               "staff_knowledge", "personal_care", "store_app", "privacy", "commendation")


@dataclass(frozen=True)
class Phrase:
    """One specific sentence of a comment.

    Attributes
    ----------
    lang : str
        ``"en"`` or ``"zh"``.
    kind : str
        The comment kind it belongs to: complaint, commendation, suggestion or other.
    themes : tuple of str
        Codebook themes a human coder gives it (empty: no theme).
    text : str
        The sentence.
    subtle : bool
        True when keyword coding finds different themes than a human would.
    """

    lang: str
    kind: str
    themes: tuple[str, ...]
    text: str
    subtle: bool = False


def _p(lang: str, kind: str, themes: str, text: str) -> Phrase:
    # "~" before the themes marks a sentence where keyword coding and a human disagree.
    subtle = themes.startswith("~")
    keys = tuple(t for t in themes.lstrip("~").split(";") if t)
    return Phrase(lang, kind, keys, text, subtle)


SPECIFIC: tuple[Phrase, ...] = (
    # --- English complaints -----------------------------------------------------------
    _p("en", "complaint", "billing", "My March bill included a fee for a ring-back tone I never ordered."),
    _p("en", "complaint", "billing;waiting", "I was charged twice for the same top-up and I am still waiting for a refund."),
    _p("en", "complaint", "billing", "Money was deducted from my balance without any text message to tell me why."),
    _p("en", "complaint", "billing;data_package", "The roaming charges on my bill from Hong Kong are far higher than I was told."),
    _p("en", "complaint", "~billing", "I topped up 100 yuan but only 50 yuan arrived on my balance."),
    _p("en", "complaint", "billing;store_app", "My bill says **paid** but the app says <em>overdue</em>."),
    _p("en", "complaint", "data_package", "My data allowance ran out after ten days although I use the phone as I always did."),
    _p("en", "complaint", "data_package", "Nobody told me the new package ends after twelve months and the price then doubles."),
    _p("en", "complaint", "data_package", "The tariff names are so similar that I chose the wrong plan."),
    _p("en", "complaint", "network", "The signal in my flat on the 18th floor is very weak."),
    _p("en", "complaint", "network", "I have had a dropped call almost every evening this week."),
    _p("en", "complaint", "network", "Since the upgrade the 3G connection in Pudong is slower than before."),
    _p("en", "complaint", "network", "There is no service at all on the metro between two stations near my office."),
    _p("en", "complaint", "network", "Coverage in the villages outside Wuxi is still poor, which matters for my work."),
    _p("en", "complaint", "~network", "Calls keep cutting off when I travel home on the train."),
    _p("en", "complaint", "waiting", "I was on hold for 35 minutes before anyone answered."),
    _p("en", "complaint", "waiting", "You promised to call back within 24 hours, but nobody did."),
    _p("en", "complaint", "waiting", "My e-mail got no reply for five days."),
    _p("en", "complaint", "waiting;store_app", "I queued for an hour at the service hall to change a SIM card."),
    _p("en", "complaint", "~waiting", "Nobody picked up the phone for forty minutes."),
    _p("en", "complaint", "staff_attitude", "The agent was rude and hung up on me."),
    _p("en", "complaint", "staff_attitude;store_app;personal_care", "The staff member at the counter was impatient with my elderly mother."),
    _p("en", "complaint", "staff_attitude", "The attitude of the person on the phone was not acceptable."),
    _p("en", "complaint", "~staff_attitude", "The operator sighed and talked over me the whole time."),
    _p("en", "complaint", "staff_knowledge", "Three agents gave me three different answers, so I got wrong information twice."),
    _p("en", "complaint", "staff_knowledge", "The agent did not know how to move my number to the new plan."),
    _p("en", "complaint", "staff_knowledge;billing", "Nobody could explain why my bill went up."),
    _p("en", "complaint", "~staff_knowledge", "The agent read from a script and could not answer my question."),
    _p("en", "complaint", "personal_care", "The opening hours of my local branch do not suit anyone who works."),
    _p("en", "complaint", "personal_care", "My father is elderly and the automatic menu is too hard for him."),
    _p("en", "complaint", "personal_care", "As a VIP customer for ten years I expected more individual attention."),
    _p("en", "complaint", "store_app", "The mobile app logs me out every time I try to pay."),
    _p("en", "complaint", "store_app", "The website crashed twice while I was filling in the form."),
    _p("en", "complaint", "store_app", "The service hall was not clean and the number machine was broken."),
    _p("en", "complaint", "privacy", "I receive spam messages almost every day since I gave my number at a promotion."),
    _p("en", "complaint", "privacy", "Please stop the marketing calls; I have asked three times already."),
    _p("en", "complaint", "~privacy", "How did a sales company get my personal information?"),
    _p("en", "complaint", "privacy", "I worry about my privacy when shop staff photograph my ID card."),
    _p("en", "complaint", "~", "I am very unhappy with how my case was handled."),
    _p("en", "complaint", "", 'The agent said "it will be fixed tomorrow", but it was not fixed, again.'),
    # --- English commendations --------------------------------------------------------
    _p("en", "commendation", "staff_attitude;commendation", "The agent was patient and friendly, thank you."),
    _p("en", "commendation", "billing;commendation", "My billing question was solved quickly on the first call."),
    _p("en", "commendation", "network;commendation", "The engineer came the next day and now the signal is excellent."),
    _p("en", "commendation", "store_app;staff_knowledge;data_package;commendation",
       "The lady at the counter explained clearly how the new package works. Well done."),
    _p("en", "commendation", "commendation;waiting", "Great service from the 10086 team: they called back within the hour."),
    _p("en", "commendation", "store_app;commendation", "The new app makes it very easy to check my balance. Thanks!"),
    _p("en", "commendation", "~staff_knowledge;commendation", "Staff were professional and knowledgeable about my business account."),
    _p("en", "commendation", "commendation;personal_care", "I would like to praise Ms Li for her help with my elderly father's phone."),
    _p("en", "commendation", "~staff_attitude;store_app;commendation", "The courteous staff at the service hall made my visit pleasant."),
    _p("en", "commendation", "data_package;commendation", "Roaming in Thailand worked perfectly. Well done."),
    _p("en", "commendation", "commendation", "Thanks for the quick help with my lost SIM card."),
    _p("en", "commendation", "~commendation", "Mr Wang went out of his way to sort out my contract, which I really appreciated."),
    # --- English suggestions ----------------------------------------------------------
    _p("en", "suggestion", "store_app;data_package", "It would help if the app showed how much data allowance is left."),
    _p("en", "suggestion", "store_app;personal_care", "Please open the service hall at weekends too."),
    _p("en", "suggestion", "billing", "Please send a text before you deduct any monthly fee."),
    _p("en", "suggestion", "waiting", "A call back option would be better than a long queue on the hotline."),
    _p("en", "suggestion", "personal_care;data_package", "Please give the elderly a simpler tariff."),
    _p("en", "suggestion", "privacy", "Let customers block marketing calls with one text message."),
    _p("en", "suggestion", "network", "Put 4G masts near the new housing estates in our district."),
    _p("en", "suggestion", "store_app;billing", "Print a simple leaflet that lists every charge on the bill."),
    _p("en", "suggestion", "staff_knowledge", "Train hotline staff so that they explain the terms of each plan."),
    _p("en", "suggestion", "~billing", "A text reminder before my credit runs out would be useful."),
    # --- English questions and other remarks -------------------------------------------
    _p("en", "other", "data_package", "Where can I find the roaming rates for Japan?"),
    _p("en", "other", "", "Can I keep my number if I move to another province?"),
    _p("en", "other", "", "I moved to Hangzhou last month and everything works as before."),
    _p("en", "other", "", "How do I change the name on my account?"),
    _p("en", "other", "network", "Is the 4G network available in Lhasa yet?"),
    _p("en", "other", "", "My son would like a student plan; what does he need to bring?"),
    # --- Chinese (simplified) ---------------------------------------------------------
    _p("zh", "complaint", "billing", "这个月的账单多了一项我没有订过的业务费用。"),
    _p("zh", "complaint", "billing", "莫名其妙被扣费了二十元，请尽快退款。"),
    _p("zh", "complaint", "data_package", "套餐里的流量不到半个月就用完了。"),
    _p("zh", "complaint", "network", "我家里的信号很差，经常掉线。"),
    _p("zh", "complaint", "network", "晚上网速特别慢，视频根本打不开。"),
    _p("zh", "complaint", "waiting", "打10086要等待二十多分钟才有人接。"),
    _p("zh", "complaint", "waiting;store_app", "在营业厅排队排了一个小时。"),
    _p("zh", "complaint", "staff_attitude", "客服人员态度很差，说话不耐烦。"),
    _p("zh", "complaint", "staff_knowledge", "客服解释不清楚，问了三次都没有答案。"),
    _p("zh", "complaint", "privacy", "每天都收到垃圾短信，非常烦人。"),
    _p("zh", "complaint", "privacy", "骚扰电话太多了，希望能管一管。"),
    _p("zh", "complaint", "~", "我对这次的处理结果很不满意。"),
    _p("zh", "complaint", "~billing", "对这次扣费非常不满意。"),
    _p("zh", "commendation", "staff_attitude;commendation", "营业员很有耐心，谢谢！"),
    _p("zh", "commendation", "commendation", "问题很快就解决了，非常满意。"),
    _p("zh", "commendation", "staff_knowledge;commendation", "客服很专业，感谢你们的帮助。"),
    _p("zh", "commendation", "store_app;commendation", "手机营业厅很好用，谢谢。"),
    _p("zh", "suggestion", "personal_care", "希望营业时间能延长到晚上九点。"),
    _p("zh", "suggestion", "personal_care;data_package", "建议给老人推出更简单的套餐。"),
    _p("zh", "suggestion", "data_package", "希望出国漫游的价格再便宜一些。"),
    _p("zh", "suggestion", "store_app", "建议网站上能直接查询每月的详细费用。"),
    _p("zh", "other", "", "请问怎样更改账户名称？"),
    _p("zh", "other", "", "我下个月要搬到外地，号码可以保留吗？"),
    _p("zh", "other", "~personal_care", "我父亲年纪大了，看不懂短信里的说明。"),
)

#: Openings by language and source; "" means the comment starts with its first sentence.
OPENINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "comment_card": ("", "", "Comment card:"),
        "letter": ("Dear Sir or Madam,", "To the customer service manager,", "Dear China Mobile,"),
        "conversation": ("Customer told us:", "Notes from a conversation at the branch:"),
        "telephone_poll": ("Caller said:", "Asked about recent service, the customer said:"),
        "email": ("Hello,", "Hi,", "Good morning,"),
        "online": ("", "Subject: my account."),
        "other": ("Posted on the China Mobile Weibo page:", ""),
    },
    "zh": {source: ("", "您好，", "尊敬的中国移动：") for source in
           ("comment_card", "letter", "conversation", "telephone_poll", "email", "online", "other")},
}

#: Closings by language and kind.
CLOSINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "complaint": ("", "Please look into this.", "I hope this can be sorted out soon.",
                      "I expect an answer.", "This is not good enough."),
        "commendation": ("", "Keep it up.", "Very pleased."),
        "suggestion": ("", "Just an idea.", "I think many customers would like this."),
        "other": ("", "Regards."),
    },
    "zh": {
        "complaint": ("", "请尽快处理。"),
        "commendation": ("",),
        "suggestion": ("", "希望采纳。"),
        "other": ("",),
    },
}

#: Whole comments that are literally these words: they must stay text, never "missing".
LITERAL_TEXTS = ("None", "NA", "N/A", "null")
