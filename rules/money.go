package rules

import (
	"cmp"
	"fmt"
	"math/big"
	"slices"
	"strconv"

	"zhucan/valid"
)

// FormatYuan formats an amount in fen as yuan with thousands separators,
// e.g. 123456789 → "1,234,567.89".
func FormatYuan(fen int64) string {
	sign := ""
	u := uint64(fen)
	if fen < 0 {
		sign, u = "-", uint64(-fen)
	}
	whole := strconv.FormatUint(u/100, 10)
	var b []byte
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, whole[i])
	}
	return fmt.Sprintf("%s%s.%02d", sign, b, u%100)
}

// ProRata returns amountFen × min(accepted, planned) / planned rounded down
// to the fen, in exact integer arithmetic: what is paid for a partially
// accepted delivery. A non-positive planned, accepted or amount gives 0.
func ProRata(amountFen, plannedQty, acceptedQty int64) int64 {
	if amountFen <= 0 || plannedQty <= 0 || acceptedQty <= 0 {
		return 0
	}
	acceptedQty = min(acceptedQty, plannedQty)
	return new(big.Int).Quo(mul(amountFen, acceptedQty), big.NewInt(plannedQty)).Int64()
}

// MilestonePayment returns floor(contract × percent/100 × min(accepted,
// planned)/planned) in exact integer arithmetic (big integers, so any
// int64 inputs are safe; contracts are at most 10^13 fen in practice). A
// percent outside 0–100, or a non-positive contract or planned quantity,
// gives 0. Flooring each milestone separately may leave up to a fen per
// milestone unpaid; to pay exactly the contract use SplitByPercent and
// then ProRata.
func MilestonePayment(contractFen int64, paymentPercent int, plannedQty, acceptedQty int64) int64 {
	if contractFen <= 0 || paymentPercent < 0 || paymentPercent > 100 || plannedQty <= 0 || acceptedQty <= 0 {
		return 0
	}
	acceptedQty = min(acceptedQty, plannedQty)
	return new(big.Int).Quo(mul(contractFen, int64(paymentPercent), acceptedQty), mul(100, plannedQty)).Int64()
}

// SplitByPercent splits totalFen into parts proportional to percents that
// sum exactly to totalFen, by the largest-remainder method: each part is
// first rounded down, then the fen left over go one each to the parts with
// the largest remainders, ties to the earlier part. Percents are weights
// divided by their sum, so when they sum to 100 they are percent shares
// (check that with CheckPercents). A negative total or percent, or
// percents summing to 0, gives all zeros.
func SplitByPercent(totalFen int64, percents []int) []int64 {
	out := make([]int64, len(percents))
	var sum int64
	for _, p := range percents {
		if p < 0 {
			return out
		}
		sum += int64(p)
	}
	if totalFen < 0 || sum == 0 {
		return out
	}
	den := big.NewInt(sum)
	rem := make([]*big.Int, len(percents))
	left := totalFen
	for i, p := range percents {
		q, r := new(big.Int).QuoRem(mul(totalFen, int64(p)), den, new(big.Int))
		out[i], rem[i] = q.Int64(), r
		left -= out[i]
	}
	// left < len(percents): each part lost less than one fen.
	order := make([]int, len(percents))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(rem[b].Cmp(rem[a]), cmp.Compare(a, b))
	})
	for _, i := range order[:left] {
		out[i]++
	}
	return out
}

// CheckPercents refuses payment percents that are not each 0–100 or do not sum to 100.
func CheckPercents(percents []int) error {
	var errs valid.Errors
	sum := 0
	for i, p := range percents {
		if p < 0 || p > 100 {
			errs.Addf(fmt.Sprintf("[%d].paymentPercent", i), "付款比例应在 0 至 100 之间，而不是 %d", "a payment percent must be 0 to 100, not %d", p)
		}
		sum += p
	}
	if len(errs) == 0 && sum != 100 {
		errs.Addf("paymentPercent", "各期付款比例之和应为 100，而不是 %d", "the payment percents must sum to 100, not %d", sum)
	}
	return errs.Err()
}

// CheckReservation refuses to reserve amountFen against a budget line with
// availableFen left, or a non-positive amount.
func CheckReservation(availableFen, amountFen int64) error {
	var errs valid.Errors
	switch {
	case amountFen <= 0:
		errs.Addf("amountFen", "预留金额必须大于零，而不是 %s 元", "the amount to reserve must be positive, not %s yuan", FormatYuan(amountFen))
	case amountFen > availableFen:
		errs.Addf("amountFen", "预算余额不足：可用 %s 元，需要 %s 元", "insufficient budget: %s yuan available, %s yuan needed",
			FormatYuan(availableFen), FormatYuan(amountFen))
	}
	return errs.Err()
}
